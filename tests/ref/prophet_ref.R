# tests/ref/prophet_ref.R: reference values of R's prophet (Debian's
# r-cran-prophet 1.0, rstan's L-BFGS) for sp_season and seasonfit, so that
# the tests need no R.  Run from the top of the tree:
#
#     Rscript tests/ref/prophet_ref.R            # a few minutes
#
# Writes
#   tests/cli/data/season-<case>.csv   the synthetic inputs (timestamp,value[,cap,floor])
#   tests/ref/prophet_<name>.csv       per row (history, then the held-out or future
#                                      rows): timestamp, value, trend, each
#                                      seasonality, holidays, yhat, yhat_lower, yhat_upper
#   tests/ref/prophet_ref.txt          per case: prophet's fit (scales, changepoints,
#                                      k, m, sigma_obs, delta, beta) and its fit time
#
# Every case uses prophet's defaults unless it says otherwise (25
# changepoints over the first 80 %, changepoint_prior_scale 0.05,
# seasonality and holidays prior scale 10, interval_width 0.8, 1000
# uncertainty samples), which are seasonfit's defaults.  The traces hold
# out their last H rows: the fit sees the rest, the prediction covers all.
Sys.setenv(TZ = "UTC")
suppressMessages(library(prophet))

ref <- "tests/ref"
cli <- "tests/cli/data"
g <- function(x) ifelse(is.na(x), "", sprintf("%.10g", x))
to_ds <- function(ts) as.POSIXct(ts, origin = "1970-01-01", tz = "GMT")
params_out <- c()

# window --resample STEP --agg sum: bins aligned to the epoch, stamped with
# their start, empty bins between observations missing
resample_sum <- function(d, step) {
	bin <- floor(d$timestamp / step) * step
	s <- tapply(d$value, bin, sum)
	grid <- seq(min(bin), max(bin), by = step)
	y <- rep(NA_real_, length(grid))
	y[match(as.numeric(names(s)), grid)] <- as.numeric(s)
	data.frame(timestamp = grid, value = y)
}

run_case <- function(name, d, H, setup = function(m) m, holidays = NULL, ...) {
	d$ds <- to_ds(d$timestamp)
	d$y <- d$value
	hist <- d[seq_len(nrow(d) - H), ]
	m <- prophet(holidays = holidays, fit = FALSE, ...)
	m <- setup(m)
	set.seed(1)
	t0 <- proc.time()[["elapsed"]]
	m <- suppressMessages(fit.prophet(m, hist[, intersect(c("ds", "y", "cap", "floor"), names(hist))]))
	secs <- proc.time()[["elapsed"]] - t0
	set.seed(1)
	fc <- predict(m, d[, intersect(c("ds", "cap", "floor"), names(d)), drop = FALSE])
	comps <- intersect(c(names(m$seasonalities), if (!is.null(holidays)) "holidays"), names(fc))
	out <- data.frame(timestamp = d$timestamp, value = g(d$value), trend = g(fc$trend))
	for (c in comps) out[[c]] <- g(fc[[c]])
	out$yhat <- g(fc$yhat)
	out$yhat_lower <- g(fc$yhat_lower)
	out$yhat_upper <- g(fc$yhat_upper)
	write.csv(out, file.path(ref, paste0("prophet_", name, ".csv")), row.names = FALSE, quote = FALSE)
	p <- m$params
	line <- function(key, v) paste(name, key, paste(g(v), collapse = " "))
	params_out <<- c(params_out,
		line("rows", nrow(m$history)), line("fit_seconds", secs),
		line("y_scale", m$y.scale), line("start", as.numeric(m$start)), line("t_scale", m$t.scale),
		line("seasonalities", length(m$seasonalities)),
		paste(name, "names", paste(names(m$seasonalities), collapse = " ")),
		line("changepoints_t", m$changepoints.t),
		line("k", p$k), line("m", p$m), line("sigma_obs", p$sigma_obs),
		line("delta", p$delta), line("beta", p$beta))
	cat(sprintf("%s: %d rows, fit %.2f s\n", name, nrow(m$history), secs))
}

# ---- small synthetic cases (inputs written to tests/cli/data) --------------------
set.seed(42)
# A: hourly, 3 weeks, additive, a trend change, a few missing values
n <- 21 * 24
ts <- 1700006400 + 3600 * (0:(n - 1))            # 2023-11-15 00:00 UTC
tt <- 0:(n - 1)
y <- 100 + 0.05 * tt - 0.09 * pmax(tt - 300, 0) + 20 * sin(2 * pi * ts / 86400) +
	6 * cos(2 * pi * ts / 86400 / 7) + rnorm(n, 0, 3)
y[c(50, 51, 200)] <- NA
a <- data.frame(timestamp = ts, value = round(y, 3))
write.csv(data.frame(timestamp = a$timestamp, value = g(a$value)), file.path(cli, "season-add.csv"),
	row.names = FALSE, quote = FALSE)
run_case("add", a, 24)

# B: hourly, 4 weeks, multiplicative, holidays with windows, a custom 12-hour period
n <- 28 * 24
ts <- 1700006400 + 3600 * (0:(n - 1))
tt <- 0:(n - 1)
day <- floor(ts / 86400)
hol <- data.frame(holiday = c("launch", "outage", "outage"),
	ds = c("2023-11-23", "2023-11-30", "2023-12-06"),
	lower_window = c(-1, 0, 0), upper_window = c(1, 0, 0))
hd <- as.numeric(as.Date(hol$ds))
bump <- ifelse(day == hd[1], 0.5, ifelse(day == hd[1] - 1 | day == hd[1] + 1, 0.2, 0)) -
	ifelse(day %in% hd[2:3], 0.4, 0)
y <- (200 + 0.1 * tt) * (1 + 0.3 * sin(2 * pi * ts / 86400) + 0.1 * cos(4 * pi * ts / 86400) + bump) +
	rnorm(n, 0, 4)
b <- data.frame(timestamp = ts, value = round(y, 3))
write.csv(data.frame(timestamp = b$timestamp, value = g(b$value)), file.path(cli, "season-mult.csv"),
	row.names = FALSE, quote = FALSE)
write.csv(hol, file.path(cli, "season-holidays.csv"), row.names = FALSE, quote = FALSE)
run_case("mult", b, 48, holidays = hol, seasonality.mode = "multiplicative",
	setup = function(m) add_seasonality(m, name = "half", period = 0.5, fourier.order = 2))

# C: daily, 800 days, logistic growth to a rising capacity above a floor
n <- 800
ts <- 1500000000 - 1500000000 %% 86400 + 86400 * (0:(n - 1))
tt <- 0:(n - 1)
cap <- 1000 + 0.5 * tt
fl <- rep(50, n)
y <- fl + (cap - fl) / (1 + exp(-0.012 * (tt - 300))) * (1 + 0.05 * sin(2 * pi * tt / 7)) +
	30 * sin(2 * pi * ts / 86400 / 365.25) + rnorm(n, 0, 15)
y <- pmin(y, cap)
cc <- data.frame(timestamp = ts, value = round(y, 3), cap = cap, floor = fl)
write.csv(data.frame(timestamp = cc$timestamp, value = g(cc$value), cap = g(cc$cap), floor = g(cc$floor)),
	file.path(cli, "season-logistic.csv"), row.names = FALSE, quote = FALSE)
run_case("logistic", cc, 60, growth = "logistic")

# ---- traces ---------------------------------------------------------------------------
nasa <- resample_sum(read.csv("data/nasa_http_1995_rpm.csv"), 900)
run_case("nasa15", nasa, 96)
run_case("taxi", read.csv("data/nab_nyc_taxi.csv"), 48)
run_case("wikipedia", read.csv("data/wikipedia_peyton_manning_daily.csv"), 30)
run_case("worldcup", read.csv("data/worldcup98_19980530_0630_5m.csv"), 288)

writeLines(params_out, file.path(ref, "prophet_ref.txt"))
