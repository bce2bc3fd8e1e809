/* sp_kube: kubeconfig / in-cluster credentials and the scale subresource (see sp_kube.h). */
#include "sp_kube.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "sp_redact.h"
#include "sp_time.h"

extern char **environ;

/* ---- small helpers ---- */

static char *
xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void
wipe_free(char *s, size_t n)
{
	if (!s)
		return;
	explicit_bzero(s, n ? n : strlen(s));
	free(s);
}

void
sp_kube_cfg_free(sp_kube_cfg *c)
{
	if (!c)
		return;
	free(c->server);
	free(c->namespace);
	free(c->context);
	free(c->ca_file);
	free(c->cert_file);
	free(c->key_file);
	free(c->ca_pem);
	free(c->cert_pem);
	wipe_free(c->key_pem, c->key_pem_len);
	wipe_free(c->token, 0);
	free(c->user);
	wipe_free(c->password, 0);
	memset(c, 0, sizeof *c);
}

char *
sp_kube_base64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), o = 0;
	unsigned acc = 0;
	int bits = 0, pad = 0;
	char *out = malloc(n * 3 / 4 + 4);

	if (!out)
		return NULL;
	for (; *s; s++) {
		int v;
		unsigned char ch = (unsigned char)*s;
		if (ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t')
			continue;
		if (ch == '=') {
			pad++;
			continue;
		}
		if (pad)
			goto bad;
		if (ch >= 'A' && ch <= 'Z') v = ch - 'A';
		else if (ch >= 'a' && ch <= 'z') v = ch - 'a' + 26;
		else if (ch >= '0' && ch <= '9') v = ch - '0' + 52;
		else if (ch == '+') v = 62;
		else if (ch == '/') v = 63;
		else goto bad;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (pad > 2 || bits >= 6)
		goto bad;
	out[o] = '\0';
	if (len)
		*len = o;
	return out;
bad:
	free(out);
	return NULL;
}

/* Whole file into memory (for PEM files and tokens); NULL and err. */
static char *
slurp(const char *path, size_t *len, sp_error *err)
{
	FILE *fp = sp_http_fopen_regular(path, err);
	char *buf = NULL;
	size_t n = 0, cap = 0, k;

	if (!fp)
		return NULL;
	for (;;) {
		if (n + 4096 + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			if (cap > (16u << 20) || !(nb = realloc(buf, cap))) {
				free(buf);
				fclose(fp);
				sp_error_set(err, SP_EIO, "%s: too large", path);
				return NULL;
			}
			buf = nb;
		}
		k = fread(buf + n, 1, 4096, fp);
		n += k;
		if (k < 4096)
			break;
	}
	if (ferror(fp)) {
		free(buf);
		fclose(fp);
		sp_error_set(err, SP_EIO, "%s: read error", path);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* ---- kubeconfig ---- */

typedef struct {
	char *path;
	yaml_document_t doc;
	int loaded;
} kdoc;

static yaml_node_t *
map_get(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	yaml_node_pair_t *p;
	if (!m || m->type != YAML_MAPPING_NODE)
		return NULL;
	for (p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(d, p->key);
		if (k && k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
			return yaml_document_get_node(d, p->value);
	}
	return NULL;
}

static const char *
scalar(yaml_node_t *n)
{
	if (!n || n->type != YAML_SCALAR_NODE)
		return NULL;
	return (const char *)n->data.scalar.value;
}

static const char *
map_str(yaml_document_t *d, yaml_node_t *m, const char *key)
{
	const char *s = scalar(map_get(d, m, key));
	return s && *s ? s : NULL;
}

/* In list `section` (clusters, users, contexts) the entry named `name`:
 * its inner mapping (`cluster`, `user`, `context`).  *which = its doc. */
static yaml_node_t *
find_named(kdoc *docs, int nd, const char *section, const char *inner, const char *name, kdoc **which)
{
	int i;
	for (i = 0; i < nd; i++) {
		yaml_document_t *d = &docs[i].doc;
		yaml_node_t *root = yaml_document_get_root_node(d), *seq = map_get(d, root, section);
		yaml_node_item_t *it;
		if (!seq || seq->type != YAML_SEQUENCE_NODE)
			continue;
		for (it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
			yaml_node_t *e = yaml_document_get_node(d, *it);
			const char *nm = map_str(d, e, "name");
			if (nm && strcmp(nm, name) == 0) {
				*which = &docs[i];
				return map_get(d, e, inner);
			}
		}
	}
	return NULL;
}

/* path relative to the directory of kubeconfig `base`. */
static char *
resolve(const char *base, const char *path)
{
	const char *slash = strrchr(base, '/');
	char *out;
	if (path[0] == '/' || !slash)
		return strdup(path);
	if (!(out = malloc((size_t)(slash - base) + strlen(path) + 2)))
		return NULL;
	sprintf(out, "%.*s/%s", (int)(slash - base), base, path);
	return out;
}

/* Data field (base64) or file field into pem/len, or the file name. */
static int
pem_field(kdoc *kd, yaml_node_t *m, const char *datakey, const char *filekey, int read_file,
    char **pem, size_t *pemlen, char **file, const char *what, sp_error *err)
{
	const char *data = map_str(&kd->doc, m, datakey), *f = map_str(&kd->doc, m, filekey);
	if (data) {
		if (!(*pem = sp_kube_base64_decode(data, pemlen)))
			return sp_error_set(err, SP_EDATA, "%s: %s of %s is not valid base64", kd->path, datakey, what);
	} else if (f) {
		char *p = resolve(kd->path, f);
		if (!p)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		if (read_file) {
			*pem = slurp(p, pemlen, err);
			free(p);
			if (!*pem)
				return err ? err->code : SP_EIO;
		} else {
			struct stat st;
			if (stat(p, &st) == 0 && !S_ISREG(st.st_mode)) {
				sp_error_set(err, SP_EIO, "%s: not a regular file", p);
				free(p);
				return SP_EIO;
			}
			*file = p;
		}
	}
	return 0;
}

static int
load_docs(const char *paths, kdoc **out, int *nout, sp_error *err)
{
	char *list = strdup(paths), *tok, *save = NULL;
	kdoc *docs = NULL;
	int nd = 0, rc = 0;

	if (!list)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	for (tok = strtok_r(list, ":", &save); tok; tok = strtok_r(NULL, ":", &save)) {
		FILE *fp;
		yaml_parser_t p;
		kdoc *nd2;
		sp_error e2;
		if (!(fp = sp_http_fopen_regular(tok, &e2))) {
			if (errno == ENOENT && strchr(paths, ':'))
				continue;           /* kubectl skips missing files in a list */
			rc = sp_error_set(err, SP_EIO, "kubeconfig %s", e2.msg);
			break;
		}
		if (!(nd2 = realloc(docs, (size_t)(nd + 1) * sizeof *docs))) {
			fclose(fp);
			rc = sp_error_set(err, SP_ENOMEM, "out of memory");
			break;
		}
		docs = nd2;
		memset(&docs[nd], 0, sizeof docs[nd]);
		docs[nd].path = strdup(tok);
		yaml_parser_initialize(&p);
		yaml_parser_set_input_file(&p, fp);
		if (!yaml_parser_load(&p, &docs[nd].doc)) {
			rc = sp_error_set(err, SP_EDATA, "%s:%lu: not valid YAML: %s", tok,
			    (unsigned long)p.problem_mark.line + 1, p.problem ? p.problem : "parse error");
			yaml_parser_delete(&p);
			fclose(fp);
			free(docs[nd].path);
			break;
		}
		docs[nd].loaded = 1;
		yaml_parser_delete(&p);
		fclose(fp);
		if (!yaml_document_get_root_node(&docs[nd].doc) ||
		    yaml_document_get_root_node(&docs[nd].doc)->type != YAML_MAPPING_NODE) {
			rc = sp_error_set(err, SP_EDATA, "kubeconfig %s: not a mapping", tok);
			yaml_document_delete(&docs[nd].doc);
			free(docs[nd].path);
			break;
		}
		nd++;
	}
	free(list);
	if (rc == 0 && nd == 0)
		rc = sp_error_set(err, SP_EIO, "kubeconfig %s: no such file", paths);
	*out = docs;
	*nout = nd;
	return rc;
}

/* ---- exec credential plugins ---- */

static char *
b64_encode(const char *s, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *out = malloc((n + 2) / 3 * 4 + 1), *o = out;
	size_t i;
	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16 | (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];
		*o++ = tab[v >> 18], *o++ = tab[(v >> 12) & 63], *o++ = tab[(v >> 6) & 63], *o++ = tab[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned char)s[i] << 16 | (i + 1 < n ? (unsigned char)s[i + 1] << 8 : 0);
		*o++ = tab[v >> 18], *o++ = tab[(v >> 12) & 63];
		*o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

#define EXEC_MAX_OUT (1u << 20)

/* An executable regular file? */
static int
is_exec(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

/* cmd found in PATH as execvp would find it: malloc'd path, or NULL with
 * errno ENOENT (or ENOMEM).  Done here rather than by posix_spawnp so that
 * a missing plugin is told apart from one that exits 127 on every libc
 * and under valgrind. */
static char *
find_in_path(const char *cmd)
{
	const char *p = getenv("PATH"), *q;
	if (!p || !*p)
		p = "/usr/local/bin:/usr/bin:/bin";
	for (;; p = q + 1) {
		size_t l;
		char *full;
		q = strchr(p, ':');
		l = q ? (size_t)(q - p) : strlen(p);
		if (!(full = malloc(l + strlen(cmd) + 3)))
			return NULL;
		sprintf(full, "%.*s/%s", (int)l, l ? p : ".", cmd);
		if (is_exec(full))
			return full;
		free(full);
		if (!q)
			break;
	}
	errno = ENOENT;
	return NULL;
}


/* Run the file cmd with argv and envp,
 * stdin from /dev/null, stdout captured (at most EXEC_MAX_OUT bytes),
 * stderr passed through, for at most `timeout` seconds until its stdout
 * closes.  0 with *out (malloc'd, NUL-terminated), *len and *status (a
 * wait status); -1 with *eno when it could not be started; -2 when its
 * output was too long or unreadable; -3 when it ran out of time (it is
 * killed with SIGKILL and reaped). */
static int
run_capture(const char *cmd, char *const argv[], char *const envp[], double timeout, char **out,
    size_t *len, int *status, int *eno)
{
	posix_spawn_file_actions_t fa;
	int fd[2], rc = 0, over = 0, late = 0;
	double end = sp_time_mono() + timeout;
	pid_t pid;
	char *buf = NULL, scratch[4096];
	size_t n = 0, cap = 0;

	*out = NULL, *len = 0, *status = 0, *eno = 0;
	if (pipe2(fd, O_CLOEXEC) < 0) {
		*eno = errno;
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	rc = posix_spawn(&pid, cmd, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc != 0) {
		close(fd[0]);
		*eno = rc;
		return -1;
	}
	for (;;) {
		ssize_t k;
		struct pollfd pf;
		double left = end - sp_time_mono();
		int pr;
		pf.fd = fd[0], pf.events = POLLIN, pf.revents = 0;
		if (left <= 0 || (pr = poll(&pf, 1, (int)(left * 1000) + 1)) == 0) {
			late = 1;
			break;
		}
		if (pr < 0) {
			if (errno == EINTR)
				continue;
			over = 1;
			break;
		}
		if (!over && n + sizeof scratch + 1 > cap) {
			char *nb;
			cap = cap ? cap * 2 : 8192;
			if (cap > EXEC_MAX_OUT + sizeof scratch + 1 || !(nb = realloc(buf, cap)))
				over = 1;
			else
				buf = nb;
		}
		k = read(fd[0], over ? scratch : buf + n, sizeof scratch);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k < 0)
				over = 1;
			break;
		}
		if (!over)
			n += (size_t)k;
	}
	close(fd[0]);
	if (late)
		kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	if (late) {
		wipe_free(buf, n);
		return -3;
	}
	if (over || n > EXEC_MAX_OUT) {
		wipe_free(buf, n);
		return -2;
	}
	if (!buf && !(buf = malloc(1))) {
		*eno = ENOMEM;
		return -1;
	}
	buf[n] = '\0';
	*out = buf, *len = n;
	return 0;
}

/* Set kv ("NAME=value", malloc'd, taken over) in envp[*ne], replacing an
 * entry of the same name (freed when it is one of ours, i.e. not the
 * inherited environ[j] at j < ninherit) or appending it. */
static void
env_put(char **envp, size_t *ne, size_t ninherit, char *kv)
{
	size_t j, l = (size_t)(strchr(kv, '=') - kv) + 1;
	for (j = 0; j < *ne; j++)
		if (strncmp(envp[j], kv, l) == 0)
			break;
	if (j < *ne && (j >= ninherit || envp[j] != environ[j]))
		free(envp[j]);
	envp[j] = kv;
	if (j == *ne)
		(*ne)++;
}

/* KUBERNETES_EXEC_INFO for the plugin: ExecCredential with spec.interactive
 * false and, on provideClusterInfo, spec.cluster from cfg. */
static char *
exec_info(const char *api, int cluster, const sp_kube_cfg *cfg, sp_error *err)
{
	json_t *root = json_object(), *spec = json_object();
	char *ca = NULL, *info = NULL, *cab = NULL;
	size_t calen = 0;

	if (!root || !spec)
		goto out;
	json_object_set_new(root, "apiVersion", json_string(api));
	json_object_set_new(root, "kind", json_string("ExecCredential"));
	json_object_set_new(spec, "interactive", json_false());
	if (cluster) {
		json_t *cl = json_object();
		if (!cl)
			goto out;
		json_object_set_new(spec, "cluster", cl);   /* owned by spec from here on */
		json_object_set_new(cl, "server", json_string(cfg->server));
		if (cfg->insecure)
			json_object_set_new(cl, "insecure-skip-tls-verify", json_true());
		if (cfg->ca_pem)
			cab = b64_encode(cfg->ca_pem, cfg->ca_pem_len);
		else if (cfg->ca_file) {
			if (!(ca = slurp(cfg->ca_file, &calen, err)))
				goto fail;
			cab = b64_encode(ca, calen);
		}
		if (cab)
			json_object_set_new(cl, "certificate-authority-data", json_string(cab));
	}
	json_object_set(root, "spec", spec);
	info = json_dumps(root, JSON_COMPACT);
out:
	if (!info)
		sp_error_set(err, SP_ENOMEM, "out of memory");
fail:
	free(ca), free(cab);
	json_decref(spec);
	json_decref(root);
	return info;
}

/* users[].user.exec: run the credential plugin as kubectl does and take the
 * token or client certificate from its ExecCredential (apiVersion
 * client.authentication.k8s.io/v1 or v1beta1).  cfg's cluster fields are
 * already set.  Secrets in its output never reach an error message. */
static int
exec_credential(kdoc *ku, yaml_node_t *ex, const char *user, double timeout, sp_kube_cfg *cfg,
    sp_error *err)
{
	yaml_document_t *d = &ku->doc;
	unsigned long line = (unsigned long)ex->start_mark.line + 1;
	const char *api = map_str(d, ex, "apiVersion"), *cmd = map_str(d, ex, "command");
	const char *mode = map_str(d, ex, "interactiveMode"), *hint = map_str(d, ex, "installHint");
	const char *pci = map_str(d, ex, "provideClusterInfo");
	yaml_node_t *args = map_get(d, ex, "args"), *env = map_get(d, ex, "env");
	char **argv = NULL, **envp = NULL, *path = NULL, *info = NULL, *out = NULL;
	size_t nargs = 0, nenv = 0, nenviron = 0, ne = 0, k, outlen = 0;
	int rc = 0, status, eno;
	json_t *root = NULL;
	json_error_t je;

	if (ex->type != YAML_MAPPING_NODE || !cmd)
		return sp_error_set(err, SP_EDATA, "%s:%lu: user '%s': exec has no command", ku->path, line, user);
	if (!api || (strcmp(api, "client.authentication.k8s.io/v1") != 0 &&
	    strcmp(api, "client.authentication.k8s.io/v1beta1") != 0))
		return sp_error_set(err, SP_EDATA, "%s:%lu: user '%s': exec apiVersion '%s' is not supported "
		    "(client.authentication.k8s.io/v1 or v1beta1)", ku->path, line, user, api ? api : "");
	if (mode && strcmp(mode, "Never") != 0 && strcmp(mode, "IfAvailable") != 0) {
		if (strcmp(mode, "Always") == 0)
			return sp_error_set(err, SP_EDATA, "%s:%lu: user '%s': the exec plugin needs a terminal "
			    "(interactiveMode: Always), and scalepipe runs without one", ku->path, line, user);
		return sp_error_set(err, SP_EDATA, "%s:%lu: user '%s': exec interactiveMode '%s' is not "
		    "Never, IfAvailable or Always", ku->path, line, user, mode);
	}
	if ((args && args->type != YAML_SEQUENCE_NODE) || (env && env->type != YAML_SEQUENCE_NODE))
		return sp_error_set(err, SP_EDATA, "%s:%lu: user '%s': exec args and env must be lists",
		    ku->path, line, user);
	nargs = args ? (size_t)(args->data.sequence.items.top - args->data.sequence.items.start) : 0;
	nenv = env ? (size_t)(env->data.sequence.items.top - env->data.sequence.items.start) : 0;
	while (environ && environ[nenviron])
		nenviron++;
	argv = calloc(nargs + 2, sizeof *argv);
	envp = calloc(nenviron + nenv + 2, sizeof *envp);
	if (!argv || !envp) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	argv[0] = (char *)cmd;
	for (k = 0; k < nargs; k++) {
		const char *a = scalar(yaml_document_get_node(d, args->data.sequence.items.start[k]));
		if (!a) {
			rc = sp_error_set(err, SP_EDATA, "%s:%lu: user '%s': exec args[%zu] is not a string",
			    ku->path, line, user, k);
			goto out;
		}
		argv[k + 1] = (char *)a;
	}
	/* the environment: ours, then the exec entries (a later entry of the
	 * same name wins, as in kubectl), then KUBERNETES_EXEC_INFO */
	for (k = 0; k < nenviron; k++)
		envp[ne++] = environ[k];
	for (k = 0; k <= nenv; k++) {
		const char *nm, *val;
		char *kv;
		if (k < nenv) {
			yaml_node_t *e = yaml_document_get_node(d, env->data.sequence.items.start[k]);
			nm = map_str(d, e, "name"), val = scalar(map_get(d, e, "value"));
			if (!nm || !val || strchr(nm, '=')) {
				rc = sp_error_set(err, SP_EDATA, "%s:%lu: user '%s': exec env[%zu] needs a name "
				    "(without '=') and a value", ku->path, line, user, k);
				goto out;
			}
		} else {
			if (!(info = exec_info(api, pci && strcmp(pci, "true") == 0, cfg, err))) {
				rc = err ? err->code : SP_ENOMEM;
				goto out;
			}
			nm = "KUBERNETES_EXEC_INFO", val = info;
		}
		if (!(kv = malloc(strlen(nm) + strlen(val) + 2))) {
			rc = sp_error_set(err, SP_ENOMEM, "out of memory");
			goto out;
		}
		sprintf(kv, "%s=%s", nm, val);
		env_put(envp, &ne, nenviron, kv);
	}
	errno = 0;
	path = strchr(cmd, '/') ? resolve(ku->path, cmd) : find_in_path(cmd);
	if (path && !is_exec(path))
		free(path), path = NULL, errno = ENOENT;
	if (!path) {
		rc = errno == ENOENT ? sp_error_set(err, SP_EDATA, "user '%s': exec plugin '%s' not found%s%s%s",
		    user, cmd, strchr(cmd, '/') ? "" : " in PATH", hint ? ": " : "", hint ? hint : "")
		    : sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	switch (run_capture(path, argv, envp, timeout, &out, &outlen, &status, &eno)) {
	case -3:
		rc = sp_error_set(err, SP_EIO, "user '%s': exec plugin '%s' gave no answer within %gs "
		    "(killed)", user, cmd, timeout);
		goto out;
	case -1:
		rc = sp_error_set(err, SP_EIO, "user '%s': exec plugin '%s': %s", user, cmd, strerror(eno));
		goto out;
	case -2:
		rc = sp_error_set(err, SP_EDATA, "user '%s': exec plugin '%s' printed more than %u bytes or "
		    "could not be read", user, cmd, EXEC_MAX_OUT);
		goto out;
	}
	if (WIFSIGNALED(status)) {
		rc = sp_error_set(err, SP_EIO, "user '%s': exec plugin '%s' was killed by signal %d",
		    user, cmd, WTERMSIG(status));
		goto out;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		rc = sp_error_set(err, SP_EIO, "user '%s': exec plugin '%s' exited with status %d",
		    user, cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		goto out;
	}
	if (!(root = json_loadb(out, outlen, 0, &je)) || !json_is_object(root)) {
		/* je.text may quote the output, which may hold a secret: position only */
		rc = sp_error_set(err, SP_EDATA, "user '%s': exec plugin '%s' printed no JSON object "
		    "(line %d, column %d)", user, cmd, root ? 1 : je.line, root ? 1 : je.column);
		goto out;
	}
	{
		const char *kind = json_string_value(json_object_get(root, "kind"));
		const char *av = json_string_value(json_object_get(root, "apiVersion"));
		json_t *st = json_object_get(root, "status");
		const char *tok = json_string_value(json_object_get(st, "token"));
		const char *cert = json_string_value(json_object_get(st, "clientCertificateData"));
		const char *key = json_string_value(json_object_get(st, "clientKeyData"));
		if (!kind || strcmp(kind, "ExecCredential") != 0 || !av || strcmp(av, api) != 0) {
			rc = sp_error_set(err, SP_EDATA, "user '%s': exec plugin '%s' answered kind '%s', "
			    "apiVersion '%s'; expected ExecCredential, %s", user, cmd, kind ? kind : "",
			    av ? av : "", api);
			goto out;
		}
		if (!json_is_object(st) || (!(tok && *tok) && !(cert && *cert && key && *key))) {
			rc = sp_error_set(err, SP_EDATA, "user '%s': exec plugin '%s' gave neither a token nor a "
			    "client certificate and key", user, cmd);
			goto out;
		}
		if ((cert && *cert) != (key && *key)) {
			rc = sp_error_set(err, SP_EDATA, "user '%s': exec plugin '%s' gave a client certificate "
			    "without a key or a key without a certificate", user, cmd);
			goto out;
		}
		if (tok && *tok && !(cfg->token = strdup(tok))) {
			rc = sp_error_set(err, SP_ENOMEM, "out of memory");
			goto out;
		}
		if (cert && *cert) {
			cfg->cert_pem = strdup(cert), cfg->key_pem = strdup(key);
			cfg->cert_pem_len = strlen(cert), cfg->key_pem_len = strlen(key);
			if (!cfg->cert_pem || !cfg->key_pem) {
				rc = sp_error_set(err, SP_ENOMEM, "out of memory");
				goto out;
			}
		}
	}
	rc = 0;
out:
	for (k = 0; k < ne; k++)   /* ours: added, or replacing an inherited entry */
		if (k >= nenviron || envp[k] != environ[k])
			free(envp[k]);
	json_decref(root);
	wipe_free(out, outlen);
	free(path), free(info), free(argv), free(envp);
	return rc;
}

static int load_kubeconfig(const char *paths, const char *context, double exec_timeout,
    sp_kube_cfg *cfg, sp_error *err);

int
sp_kube_load_kubeconfig(const char *paths, const char *context, sp_kube_cfg *cfg, sp_error *err)
{
	return load_kubeconfig(paths, context, SP_KUBE_EXEC_TIMEOUT, cfg, err);
}

/* A server URL with user information (https://user:pw@host): 1. */
static int
has_userinfo(const char *url)
{
	const char *p = strstr(url, "://"), *e;
	if (!p)
		return 0;
	p += 3;
	e = p + strcspn(p, "/?#");
	return memchr(p, '@', (size_t)(e - p)) != NULL;
}

static int
load_kubeconfig(const char *paths, const char *context, double exec_timeout, sp_kube_cfg *cfg,
    sp_error *err)
{
	kdoc *docs = NULL, *kc = NULL, *kcl = NULL, *ku = NULL;
	int nd = 0, i, rc;
	yaml_node_t *ctx, *cl, *us = NULL;
	const char *s, *cluster, *user;

	memset(cfg, 0, sizeof *cfg);
	if ((rc = load_docs(paths, &docs, &nd, err)) < 0)
		goto out;
	for (i = 0; !context && i < nd; i++)
		context = map_str(&docs[i].doc, yaml_document_get_root_node(&docs[i].doc), "current-context");
	if (!context) {
		rc = sp_error_set(err, SP_EDATA, "kubeconfig %s: no current-context (use --context)", paths);
		goto out;
	}
	if (!(ctx = find_named(docs, nd, "contexts", "context", context, &kc))) {
		rc = sp_error_set(err, SP_EDATA, "kubeconfig %s: context '%s' not found", paths, context);
		goto out;
	}
	cluster = map_str(&kc->doc, ctx, "cluster");
	user = map_str(&kc->doc, ctx, "user");
	cfg->context = xstrdup(context);
	cfg->namespace = xstrdup((s = map_str(&kc->doc, ctx, "namespace")) ? s : "default");
	if (!cluster) {
		rc = sp_error_set(err, SP_EDATA, "%s:%lu: context '%s' names no cluster", kc->path,
		    (unsigned long)ctx->start_mark.line + 1, context);
		goto out;
	}
	if (!(cl = find_named(docs, nd, "clusters", "cluster", cluster, &kcl))) {
		rc = sp_error_set(err, SP_EDATA, "kubeconfig %s: cluster '%s' (of context '%s') not found",
		    paths, cluster, context);
		goto out;
	}
	if (!(s = map_str(&kcl->doc, cl, "server"))) {
		rc = sp_error_set(err, SP_EDATA, "%s:%lu: cluster '%s' has no server", kcl->path,
		    (unsigned long)cl->start_mark.line + 1, cluster);
		goto out;
	}
	if (has_userinfo(s)) {
		rc = sp_error_set(err, SP_EDATA, "%s:%lu: cluster '%s': credentials in the server URL "
		    "(user:password@) are not accepted; put them in the user entry", kcl->path,
		    (unsigned long)cl->start_mark.line + 1, cluster);
		goto out;
	}
	if (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0) {
		char *r = sp_redact(s, strlen(s), NULL, 0);
		rc = sp_error_set(err, SP_EDATA, "%s:%lu: cluster '%s': server is not an http(s) URL: '%s'",
		    kcl->path, (unsigned long)cl->start_mark.line + 1, cluster, r ? r : SP_REDACT_MARK);
		free(r);
		goto out;
	}
	cfg->server = strdup(s);
	while (cfg->server && strlen(cfg->server) > 8 && cfg->server[strlen(cfg->server) - 1] == '/')
		cfg->server[strlen(cfg->server) - 1] = '\0';
	s = map_str(&kcl->doc, cl, "insecure-skip-tls-verify");
	cfg->insecure = s && strcmp(s, "true") == 0;
	if ((rc = pem_field(kcl, cl, "certificate-authority-data", "certificate-authority", 0,
	    &cfg->ca_pem, &cfg->ca_pem_len, &cfg->ca_file, "cluster", err)) < 0)
		goto out;
	if (user && !(us = find_named(docs, nd, "users", "user", user, &ku))) {
		rc = sp_error_set(err, SP_EDATA, "kubeconfig %s: user '%s' (of context '%s') not found",
		    paths, user, context);
		goto out;
	}
	if (us) {
		if (map_get(&ku->doc, us, "auth-provider")) {
			rc = sp_error_set(err, SP_EDATA, "%s:%lu: user '%s' uses an auth-provider plugin, "
			    "which is not supported (kubectl dropped them in 1.26); use an exec plugin, "
			    "a token or a client certificate", ku->path, (unsigned long)us->start_mark.line + 1, user);
			goto out;
		}
		if ((rc = pem_field(ku, us, "client-certificate-data", "client-certificate", 0,
		    &cfg->cert_pem, &cfg->cert_pem_len, &cfg->cert_file, "user", err)) < 0)
			goto out;
		if ((rc = pem_field(ku, us, "client-key-data", "client-key", 0,
		    &cfg->key_pem, &cfg->key_pem_len, &cfg->key_file, "user", err)) < 0)
			goto out;
		if ((cfg->cert_pem || cfg->cert_file) != (cfg->key_pem || cfg->key_file)) {
			rc = sp_error_set(err, SP_EDATA, "%s:%lu: user '%s' has a client certificate without a key "
			    "or a key without a certificate", ku->path, (unsigned long)us->start_mark.line + 1, user);
			goto out;
		}
		if ((s = map_str(&ku->doc, us, "token"))) {
			cfg->token = strdup(s);
		} else if ((s = map_str(&ku->doc, us, "tokenFile"))) {
			char *p = resolve(ku->path, s);
			cfg->token = p ? sp_http_read_secret(p, err) : NULL;
			free(p);
			if (!cfg->token) {
				rc = err ? err->code : SP_EIO;
				goto out;
			}
		}
		if ((s = map_str(&ku->doc, us, "username"))) {
			cfg->user = strdup(s);
			cfg->password = xstrdup(map_str(&ku->doc, us, "password"));
		}
		/* a token or client certificate in the kubeconfig wins over the plugin */
		if (map_get(&ku->doc, us, "exec") && !cfg->token && !cfg->cert_pem && !cfg->cert_file &&
		    (rc = exec_credential(ku, map_get(&ku->doc, us, "exec"), user,
		    exec_timeout > 0 ? exec_timeout : SP_KUBE_EXEC_TIMEOUT, cfg, err)) < 0)
			goto out;
	}
	if (!cfg->server || !cfg->namespace || !cfg->context)
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
out:
	for (i = 0; i < nd; i++) {
		yaml_document_delete(&docs[i].doc);
		free(docs[i].path);
	}
	free(docs);
	if (rc < 0)
		sp_kube_cfg_free(cfg);
	return rc;
}

int
sp_kube_load_incluster(const char *sa_dir, sp_kube_cfg *cfg, sp_error *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST"), *port = getenv("KUBERNETES_SERVICE_PORT");
	char path[4096];
	size_t n;
	int rc = 0;

	memset(cfg, 0, sizeof *cfg);
	if (!sa_dir)
		sa_dir = SP_KUBE_SA_DIR;
	if (!host || !*host || !port || !*port)
		return sp_error_set(err, SP_EUSAGE, "not in a cluster: KUBERNETES_SERVICE_HOST and "
		    "KUBERNETES_SERVICE_PORT are not set (use --kubeconfig)");
	n = strlen(host) + strlen(port) + 16;
	if (!(cfg->server = malloc(n)))
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	snprintf(cfg->server, n, strchr(host, ':') ? "https://[%s]:%s" : "https://%s:%s", host, port);
	snprintf(path, sizeof path, "%s/token", sa_dir);
	if (!(cfg->token = sp_http_read_secret(path, err))) {
		rc = err ? err->code : SP_EIO;
		goto out;
	}
	snprintf(path, sizeof path, "%s/ca.crt", sa_dir);
	{
		struct stat st;
		if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
			rc = sp_error_set(err, SP_EIO, "%s: not a regular file", path);
			goto out;
		}
	}
	if (!(cfg->ca_file = strdup(path))) {
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(path, sizeof path, "%s/namespace", sa_dir);
	{
		FILE *fp = fopen(path, "r");
		char ns[256] = "default";
		if (fp) {
			if (!fgets(ns, sizeof ns, fp))
				strcpy(ns, "default");
			fclose(fp);
			ns[strcspn(ns, "\r\n")] = '\0';
		}
		cfg->namespace = strdup(*ns ? ns : "default");
	}
	cfg->context = strdup("in-cluster");
	if (!cfg->namespace || !cfg->context)
		rc = sp_error_set(err, SP_ENOMEM, "out of memory");
out:
	if (rc < 0)
		sp_kube_cfg_free(cfg);
	return rc;
}

void
sp_kube_http_opts(const sp_kube_cfg *c, sp_http_opts *o)
{
	o->cacert = c->ca_file;
	o->ca_pem = c->ca_pem;
	o->ca_pem_len = c->ca_pem_len;
	o->cert = c->cert_file;
	o->key = c->key_file;
	o->cert_pem = c->cert_pem;
	o->cert_pem_len = c->cert_pem_len;
	o->key_pem = c->key_pem;
	o->key_pem_len = c->key_pem_len;
	o->insecure = c->insecure;
	o->bearer = c->token;
	o->user = c->token ? NULL : c->user;
	o->password = c->token ? NULL : c->password;
	o->accept = "application/json";
}

/* ---- API calls ---- */

/* A non-2xx answer as a message from its Status object (or the first 200
 * characters of a body that is not one), credentials redacted. */
static int
api_error(const sp_http_opts *o, long status, const char *body, size_t len, const char *what,
    sp_error *err)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	const char *msg = json_string_value(json_object_get(root, "message"));
	const char *hint, *sec[3];
	char *red = NULL;
	int rc;

	switch (status) {
	case 401: hint = "unauthorized: the credentials were not accepted (token expired or wrong, "
	    "or client certificate not trusted)"; break;
	case 403: hint = "forbidden: the account lacks the permission (see deploy/rbac.yaml)"; break;
	case 404: hint = "not found"; break;
	case 409: hint = "conflict: the object was changed by someone else"; break;
	case 422: hint = "rejected as invalid"; break;
	case 429: hint = "too many requests"; break;
	default: hint = status >= 500 ? "server error" : "request failed"; break;
	}
	if (!msg && len > 0 && !root)
		msg = body;
	if (msg) {
		/* the whole text first, then cut: a cut never leaves half a secret */
		size_t n = strlen(msg);
		if (!(red = sp_redact(msg, n > 65536 ? 65536 : n, sec, sp_http_secrets(o, sec))))
			msg = SP_REDACT_MARK;
		else if (msg == body) {
			if (strlen(red) > 200)
				red[200] = '\0';
			red[strcspn(red, "\r\n")] = '\0';
		}
		if (red)
			msg = red;
	}
	rc = sp_error_set(err, SP_ENET, "%s: %s (HTTP %ld)%s%s", what, hint, status,
	    msg && status != 401 ? ": " : "", msg && status != 401 ? msg : "");
	free(red);
	json_decref(root);
	return rc;
}

/* The Scale's fields from an object with spec.replicas, status.replicas and
 * metadata.resourceVersion (a Scale, or a Deployment or StatefulSet of a
 * list: the same three fields). */
static int
scale_fields(json_t *obj, sp_kube_scale *out, sp_error *err)
{
	json_t *rv = json_object_get(json_object_get(obj, "metadata"), "resourceVersion");
	json_t *r = json_object_get(json_object_get(obj, "spec"), "replicas");

	if (!json_is_integer(r) || json_integer_value(r) < 0 || json_integer_value(r) > 2147483647)
		/* 10.0, "10", null or absent: never read as 0 (every change would
		 * then look like a scale-up) */
		return sp_error_set(err, SP_ENET, "answer's spec.replicas is not a non-negative integer (%s)",
		    !r ? "absent" : json_is_integer(r) ? "out of range" : json_is_real(r) ? "a fraction" :
		    json_is_string(r) ? "a string" : "not a number");
	out->replicas = (long)json_integer_value(r);
	r = json_object_get(json_object_get(obj, "status"), "replicas");
	out->status_replicas = json_is_integer(r) ? (long)json_integer_value(r) : -1;
	snprintf(out->rv, sizeof out->rv, "%s", json_is_string(rv) ? json_string_value(rv) : "");
	return SP_OK;
}

static int
parse_scale(const char *body, size_t len, sp_kube_scale *out, sp_error *err)
{
	json_t *root = json_loadb(body, len, 0, NULL);
	int rc;

	if (!root || !json_is_string(json_object_get(root, "kind")) ||
	    strcmp(json_string_value(json_object_get(root, "kind")), "Scale") != 0)
		rc = sp_error_set(err, SP_ENET, "answer is not a Scale object");
	else
		rc = scale_fields(root, out, err);
	json_decref(root);
	return rc;
}

static int
scale_call(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *method, const char *ctype,
    const char *body, const char *resource, const char *ns, const char *name,
    sp_kube_scale *out, long *http, sp_error *err)
{
	char url[2048], what[600];
	sp_http_resp resp;
	int rc;

	snprintf(url, sizeof url, "%s/apis/apps/v1/namespaces/%s/%s/%s/scale", cfg->server, ns, resource, name);
	snprintf(what, sizeof what, "%s %s/%s/scale in namespace %s", method, resource, name, ns);
	*http = 0;
	if ((rc = sp_http_request(o, method, url, ctype, body, body ? strlen(body) : 0, &resp, err)) < 0)
		return rc;
	*http = resp.status;
	if (resp.status != 200 && resp.status != 201)
		rc = api_error(o, resp.status, resp.body, resp.len, what, err);
	else if ((rc = parse_scale(resp.body, resp.len, out, err)) < 0)
		sp_error_prefix(err, "%s", what);
	sp_http_resp_free(&resp);
	return rc;
}

int
sp_kube_get_scale(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *ns, const char *name, sp_kube_scale *out, long *http, sp_error *err)
{
	return scale_call(cfg, o, "GET", NULL, NULL, resource, ns, name, out, http, err);
}

int
sp_kube_put_scale(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *ns, const char *name, long replicas, const char *rv, sp_kube_scale *out,
    long *http, sp_error *err)
{
	json_t *obj = json_pack("{s:s, s:s, s:{s:s, s:s, s:s}, s:{s:I}}",
	    "apiVersion", "autoscaling/v1", "kind", "Scale",
	    "metadata", "name", name, "namespace", ns, "resourceVersion", rv,
	    "spec", "replicas", (json_int_t)replicas);
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	int rc;

	json_decref(obj);
	if (!body)
		return sp_error_set(err, SP_ENOMEM, "out of memory");
	rc = scale_call(cfg, o, "PUT", "application/json", body, resource, ns, name, out, http, err);
	free(body);
	return rc;
}

int
sp_kube_patch_scale(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *ns, const char *name, long replicas, sp_kube_scale *out, long *http, sp_error *err)
{
	char body[64];
	snprintf(body, sizeof body, "{\"spec\":{\"replicas\":%ld}}", replicas);
	return scale_call(cfg, o, "PATCH", "application/merge-patch+json", body, resource, ns, name,
	    out, http, err);
}

/* List `path` into *items (a new reference to the answer's items array;
 * NULL when the API is missing and missing_ok): 0, or < 0 with err. */
static int
list_fetch(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *path, const char *label,
    int missing_ok, json_t **items, sp_error *err)
{
	char url[2048];
	sp_http_resp resp;
	json_t *root;
	int rc;

	*items = NULL;
	snprintf(url, sizeof url, "%s%s", cfg->server, path);
	if ((rc = sp_http_request(o, "GET", url, NULL, NULL, 0, &resp, err)) < 0)
		return rc;
	if (resp.status == 404 && missing_ok) {
		sp_http_resp_free(&resp);
		return 0;
	}
	if (resp.status != 200) {
		char w[600];
		snprintf(w, sizeof w, "listing %s (to check who manages the target; --force skips this)", label);
		rc = api_error(o, resp.status, resp.body, resp.len, w, err);
		sp_http_resp_free(&resp);
		return rc;
	}
	root = json_loadb(resp.body, resp.len, 0, NULL);
	sp_http_resp_free(&resp);
	if (!json_is_array(json_object_get(root, "items"))) {
		json_decref(root);
		return sp_error_set(err, SP_ENET, "listing %s: answer has no items", label);
	}
	*items = json_incref(json_object_get(root, "items"));
	json_decref(root);
	return 0;
}

/* 1 and what filled if an item's spec.scaleTargetRef is kind/name, else 0. */
static int
items_match(const json_t *items, const char *label, const char *default_kind, const char *kind,
    const char *name, char *what, size_t size)
{
	size_t i;

	for (i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		json_t *ref = json_object_get(json_object_get(it, "spec"), "scaleTargetRef");
		const char *k = json_string_value(json_object_get(ref, "kind"));
		const char *n = json_string_value(json_object_get(ref, "name"));
		const char *av = json_string_value(json_object_get(ref, "apiVersion"));
		if (!k)
			k = default_kind;
		if (k && n && strcmp(k, kind) == 0 && strcmp(n, name) == 0 &&
		    (!av || strcmp(av, "apps/v1") == 0)) {
			const char *mn = json_string_value(json_object_get(json_object_get(it, "metadata"), "name"));
			snprintf(what, size, "%s %s", label, mn ? mn : "?");
			return 1;
		}
	}
	return 0;
}

#define HPA_PATH "/apis/autoscaling/v2/namespaces/%s/horizontalpodautoscalers"
#define SO_PATH "/apis/keda.sh/v1alpha1/namespaces/%s/scaledobjects"

/* The namespace's list of kind `field` ("hpa" or "so") from the cache
 * entry e, listed (and kept) the first time: 0 with *items borrowed (NULL:
 * the API is missing), < 0 with err (nothing kept: the next call lists
 * again). */
static int
cached_list(const sp_kube_cfg *cfg, const sp_http_opts *o, json_t *e, const char *field,
    const char *ns, json_t **items, sp_error *err)
{
	int hpa = strcmp(field, "hpa") == 0, rc;
	char path[1024];
	json_t *got = json_object_get(e, field);

	if (!got) {
		snprintf(path, sizeof path, hpa ? HPA_PATH : SO_PATH, ns);
		if ((rc = list_fetch(cfg, o, path, hpa ? "HorizontalPodAutoscaler" : "ScaledObject", !hpa, &got,
		    err)) < 0)
			return rc;
		if (json_object_set_new(e, field, got ? got : json_null()) < 0)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		got = json_object_get(e, field);
	}
	*items = json_is_array(got) ? got : NULL;
	return 0;
}

struct sp_kube_managers {
	json_t *by_ns;          /* namespace -> {"hpa": items, "so": items or null,
	                           "deployments"/"statefulsets": objects (below)} */
	long lists;             /* manager lists answered and kept */
	long object_lists;      /* workload lists requested (kept, failed or not) */
};

sp_kube_managers *
sp_kube_managers_new(void)
{
	sp_kube_managers *m = calloc(1, sizeof *m);

	if (m && !(m->by_ns = json_object())) {
		free(m);
		return NULL;
	}
	return m;
}

void
sp_kube_managers_free(sp_kube_managers *m)
{
	if (!m)
		return;
	json_decref(m->by_ns);
	free(m);
}

long
sp_kube_managers_lists(const sp_kube_managers *m)
{
	return m ? m->lists : 0;
}

long
sp_kube_managers_object_lists(const sp_kube_managers *m)
{
	return m ? m->object_lists : 0;
}

int
sp_kube_find_manager_cached(const sp_kube_cfg *cfg, const sp_http_opts *o, sp_kube_managers *m,
    const char *ns, const char *kind, const char *name, char *what, size_t size, sp_error *err)
{
	json_t *e, *items;
	size_t n0;
	int rc;

	if (!m)
		return sp_kube_find_manager(cfg, o, ns, kind, name, what, size, err);
	if (!(e = json_object_get(m->by_ns, ns))) {
		if (!(e = json_object()) || json_object_set_new(m->by_ns, ns, e) < 0)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	n0 = json_object_size(e);
	rc = cached_list(cfg, o, e, "hpa", ns, &items, err);
	m->lists += (long)(json_object_size(e) - n0);
	if (rc < 0)
		return rc;
	if (items_match(items, "HorizontalPodAutoscaler", NULL, kind, name, what, size))
		return 1;
	n0 = json_object_size(e);
	rc = cached_list(cfg, o, e, "so", ns, &items, err);
	m->lists += (long)(json_object_size(e) - n0);
	if (rc < 0)
		return rc;
	return items && items_match(items, "ScaledObject", "Deployment", kind, name, what, size);
}

/* List `path`; 1 and what filled if an item's spec.scaleTargetRef matches. */
static int
list_match(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *path, const char *label,
    const char *default_kind, const char *kind, const char *name, int missing_ok,
    char *what, size_t size, sp_error *err)
{
	json_t *items;
	int rc = list_fetch(cfg, o, path, label, missing_ok, &items, err);

	if (rc < 0 || !items)
		return rc;
	rc = items_match(items, label, default_kind, kind, name, what, size);
	json_decref(items);
	return rc;
}

int
sp_kube_find_manager(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *ns,
    const char *kind, const char *name, char *what, size_t size, sp_error *err)
{
	char path[1024];
	int rc;

	snprintf(path, sizeof path, HPA_PATH, ns);
	rc = list_match(cfg, o, path, "HorizontalPodAutoscaler", NULL, kind, name, 0, what, size, err);
	if (rc != 0)
		return rc;
	snprintf(path, sizeof path, SO_PATH, ns);
	return list_match(cfg, o, path, "ScaledObject", "Deployment", kind, name, 1, what, size, err);
}

/* The kill switch annotation's value in obj (NULL when absent or not a
 * string). */
static const char *
paused_value(const json_t *obj)
{
	json_t *ann = json_object_get(json_object_get(obj, "metadata"), "annotations");
	return json_string_value(json_object_get(ann, SP_KUBE_PAUSED_ANNOTATION));
}

/* 1 when v (NULL: absent) is a true value, else 0; v into value. */
static int
paused_is(const char *v, char *value, size_t size)
{
	static const char *const yes[] = { "true", "yes", "on", "1" };
	size_t i;

	if (value && size)
		snprintf(value, size, "%s", v ? v : "");
	for (i = 0; v && i < sizeof yes / sizeof yes[0]; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return 1;
	return 0;
}

int
sp_kube_paused_of(const char *json, size_t len, const char *kind, char *value, size_t size,
    sp_error *err)
{
	json_t *root = json_loadb(json, len, 0, NULL);
	const char *k = json_string_value(json_object_get(root, "kind"));
	int rc;

	if (value && size)
		value[0] = '\0';
	if (!json_is_object(root) || !k || strcmp(k, kind) != 0) {
		json_decref(root);
		return sp_error_set(err, SP_ENET, "answer is not a %s object", kind);
	}
	rc = paused_is(paused_value(root), value, size);
	json_decref(root);
	return rc;
}

int
sp_kube_get_paused(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource,
    const char *kind, const char *ns, const char *name, char *value, size_t size, long *http,
    sp_error *err)
{
	char url[2048], what[600];
	sp_http_resp resp;
	int rc;

	snprintf(url, sizeof url, "%s/apis/apps/v1/namespaces/%s/%s/%s", cfg->server, ns, resource, name);
	snprintf(what, sizeof what, "GET %s/%s in namespace %s (for the %s annotation)", resource, name, ns,
	    SP_KUBE_PAUSED_ANNOTATION);
	*http = 0;
	if ((rc = sp_http_request(o, "GET", url, NULL, NULL, 0, &resp, err)) < 0)
		return rc;
	*http = resp.status;
	if (resp.status != 200)
		rc = api_error(o, resp.status, resp.body, resp.len, what, err);
	else if ((rc = sp_kube_paused_of(resp.body, resp.len, kind, value, size, err)) < 0)
		sp_error_prefix(err, "%s", what);
	sp_http_resp_free(&resp);
	return rc;
}

/* List the namespace's objects of resource into {"names": {NAME: the
 * annotation's value or null}, "objs": {NAME: the item's resourceVersion,
 * spec.replicas and status.replicas, as a Scale has them}}, or on failure
 * {"error": message, "what": whether it begins with "listing RESOURCE in
 * namespace NS: " (which the callers give their purpose), "code": rc,
 * "http": status}: the entry to keep either way (NULL: out of memory). */
static json_t *
objects_list(const sp_kube_cfg *cfg, const sp_http_opts *o, const char *resource, const char *ns)
{
	char url[2048], what[600];
	sp_http_resp resp;
	json_t *root = NULL, *items, *names = NULL, *objs = NULL;
	sp_error e;
	long http = 0;
	size_t i, wl;
	int rc, has_what;

	snprintf(url, sizeof url, "%s/apis/apps/v1/namespaces/%s/%s", cfg->server, ns, resource);
	wl = (size_t)snprintf(what, sizeof what, "listing %s in namespace %s", resource, ns);
	if ((rc = sp_http_request(o, "GET", url, NULL, NULL, 0, &resp, &e)) == 0) {
		http = resp.status;
		if (resp.status != 200)
			rc = api_error(o, resp.status, resp.body, resp.len, what, &e);
		else
			root = json_loadb(resp.body, resp.len, 0, NULL);
		sp_http_resp_free(&resp);
	}
	if (rc == 0 && !json_is_array(items = json_object_get(root, "items")))
		rc = sp_error_set(&e, SP_ENET, "%s: answer has no items", what);
	if (rc == 0 && (!(names = json_object()) || !(objs = json_object())))
		rc = sp_error_set(&e, SP_ENOMEM, "out of memory");
	for (i = 0; rc == 0 && i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		const char *n = json_string_value(json_object_get(json_object_get(it, "metadata"), "name"));
		const char *v = paused_value(it);
		json_t *sc;
		if (!n)
			continue;
		/* of the item, only what a Scale has (a list of thousands is kept) */
		sc = json_pack("{s:{s:O*}, s:{s:O*}, s:{s:O*}}",
		    "metadata", "resourceVersion", json_object_get(json_object_get(it, "metadata"), "resourceVersion"),
		    "spec", "replicas", json_object_get(json_object_get(it, "spec"), "replicas"),
		    "status", "replicas", json_object_get(json_object_get(it, "status"), "replicas"));
		if (!sc || json_object_set_new(names, n, v ? json_string(v) : json_null()) < 0 ||
		    json_object_set_new(objs, n, sc) < 0)
			rc = sp_error_set(&e, SP_ENOMEM, "out of memory");
	}
	json_decref(root);
	if (rc == 0)
		return json_pack("{s:o, s:o}", "names", names, "objs", objs);
	json_decref(names);
	json_decref(objs);
	/* the server's answers begin "WHAT: "; a failed transport does not */
	has_what = strncmp(e.msg, what, wl) == 0 && e.msg[wl] == ':' && e.msg[wl + 1] == ' ';
	return json_pack("{s:s, s:b, s:i, s:I}", "error", has_what ? e.msg + strlen(what) + 2 : e.msg,
	    "what", has_what, "code", rc, "http", (json_int_t)http);
}

/* The cache entry of ns's list of resource, listed (and kept, failed or
 * not) the first time: 0 with *l borrowed; < 0 only when out of memory. */
static int
objects_entry(const sp_kube_cfg *cfg, const sp_http_opts *o, sp_kube_managers *m, const char *resource,
    const char *ns, json_t **l, sp_error *err)
{
	json_t *e;

	if (!(e = json_object_get(m->by_ns, ns))) {
		if (!(e = json_object()) || json_object_set_new(m->by_ns, ns, e) < 0)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	if (!(*l = json_object_get(e, resource))) {
		m->object_lists++;
		if (!(*l = objects_list(cfg, o, resource, ns)) || json_object_set_new(e, resource, *l) < 0)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
	}
	return SP_OK;
}

/* The failure kept in the list entry l, said for `purpose`. */
static int
objects_failure(json_t *l, const char *resource, const char *ns, const char *purpose, long *http,
    sp_error *err)
{
	sp_status code = (sp_status)json_integer_value(json_object_get(l, "code"));
	const char *msg = json_string_value(json_object_get(l, "error"));

	*http = (long)json_integer_value(json_object_get(l, "http"));
	if (json_is_true(json_object_get(l, "what")))
		return sp_error_set(err, code, "listing %s in namespace %s (for %s): %s", resource, ns, purpose,
		    msg);
	return sp_error_set(err, code, "%s", msg);
}

int
sp_kube_get_paused_cached(const sp_kube_cfg *cfg, const sp_http_opts *o, sp_kube_managers *m,
    const char *resource, const char *kind, const char *ns, const char *name, char *value, size_t size,
    long *http, sp_error *err)
{
	json_t *l, *names;
	char purpose[128];
	int rc;

	if (!m)
		return sp_kube_get_paused(cfg, o, resource, kind, ns, name, value, size, http, err);
	*http = 0;
	if (value && size)
		value[0] = '\0';
	if ((rc = objects_entry(cfg, o, m, resource, ns, &l, err)) < 0)
		return rc;
	if (!(names = json_object_get(l, "names"))) {
		snprintf(purpose, sizeof purpose, "the %s annotation", SP_KUBE_PAUSED_ANNOTATION);
		return objects_failure(l, resource, ns, purpose, http, err);
	}
	*http = 200;
	if (!json_object_get(names, name)) {
		/* what the GET of the object would have answered (the
		 * server's NotFound message: RESOURCE.GROUP "NAME" not found) */
		*http = 404;
		return sp_error_set(err, SP_ENET, "GET %s/%s in namespace %s (for the %s annotation): not found "
		    "(HTTP 404): %s.apps \"%s\" not found", resource, name, ns, SP_KUBE_PAUSED_ANNOTATION, resource,
		    name);
	}
	return paused_is(json_string_value(json_object_get(names, name)), value, size);
}

int
sp_kube_get_scale_cached(const sp_kube_cfg *cfg, const sp_http_opts *o, sp_kube_managers *m,
    const char *resource, const char *ns, const char *name, sp_kube_scale *out, long *http, sp_error *err)
{
	json_t *l, *objs, *it;
	int rc;

	if (!m)
		return sp_kube_get_scale(cfg, o, resource, ns, name, out, http, err);
	*http = 0;
	if ((rc = objects_entry(cfg, o, m, resource, ns, &l, err)) < 0)
		return rc;
	if (!(objs = json_object_get(l, "objs")))
		return objects_failure(l, resource, ns, "the replicas", http, err);
	*http = 200;
	if (!(it = json_object_get(objs, name))) {
		/* what the GET of its scale would have answered */
		*http = 404;
		return sp_error_set(err, SP_ENET, "GET %s/%s/scale in namespace %s: not found (HTTP 404): "
		    "%s.apps \"%s\" not found", resource, name, ns, resource, name);
	}
	if ((rc = scale_fields(it, out, err)) < 0)
		sp_error_prefix(err, "listing %s in namespace %s (for the replicas of %s)", resource, ns, name);
	return rc;
}

/* ---- scaling a target ---- */

int
sp_kube_parse_target(const char *s, sp_kube_target *t, sp_error *err)
{
	static const struct {
		const char *name, *kind, *resource;
	} kinds[] = {
		{ "deployment", "Deployment", "deployments" }, { "deploy", "Deployment", "deployments" },
		{ "deployments", "Deployment", "deployments" }, { "statefulset", "StatefulSet", "statefulsets" },
		{ "sts", "StatefulSet", "statefulsets" }, { "statefulsets", "StatefulSet", "statefulsets" },
	};
	const char *slash = strchr(s, '/'), *p;
	size_t kl = slash ? (size_t)(slash - s) : 0, i;

	if (!slash || !slash[1] || strchr(slash + 1, '/'))
		return sp_error_set(err, SP_EUSAGE, "target must be KIND/NAME (e.g. deployment/web): '%s'", s);
	t->kind = NULL;
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strlen(kinds[i].name) == kl && strncmp(s, kinds[i].name, kl) == 0) {
			t->kind = kinds[i].kind;
			t->resource = kinds[i].resource;
		}
	if (!t->kind)
		return sp_error_set(err, SP_EUSAGE, "kind must be deployment or statefulset: '%.*s'", (int)kl, s);
	t->name = slash + 1;
	for (p = t->name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' || *p == '.'))
			return sp_error_set(err, SP_EUSAGE, "not a valid object name: '%s'", t->name);
	return SP_OK;
}

int
sp_kube_valid_namespace(const char *ns)
{
	const char *p;

	if (!*ns)
		return 0;
	for (p = ns; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return 0;
	return 1;
}

int
sp_kube_load(const sp_kube_source *src, sp_kube_cfg *cfg, sp_error *err)
{
	const char *kcfg = src->kubeconfig, *env = getenv("KUBECONFIG"), *home = getenv("HOME");
	char *def = NULL;
	struct stat st;
	int rc;

	if (src->in_cluster)
		return sp_kube_load_incluster(src->sa_dir, cfg, err);
	if (!kcfg && env && *env) {
		kcfg = env;
	} else if (!kcfg) {
		if (home && asprintf(&def, "%s/.kube/config", home) < 0)
			return sp_error_set(err, SP_ENOMEM, "out of memory");
		if (def && stat(def, &st) == 0) {
			kcfg = def;
		} else {
			free(def);
			if (!getenv("KUBERNETES_SERVICE_HOST"))
				return sp_error_set(err, SP_EIO, "no kubeconfig ($KUBECONFIG, ~/.kube/config) and "
				    "not in a cluster; use --kubeconfig");
			return sp_kube_load_incluster(src->sa_dir, cfg, err);
		}
	}
	rc = load_kubeconfig(kcfg, src->context, src->exec_timeout, cfg, err);
	free(def);
	return rc;
}

int
sp_kube_read_input(sp_csv_reader *r, const char *column, const char *load_column, sp_kube_input *in,
    sp_error *err)
{
	double v = NAN, t = NAN, prev = NAN, x;
	int col, lcol = -1, ocol, rc;

	memset(in, 0, sizeof *in);
	in->t = in->observed = NAN;
	snprintf(in->observed_from, sizeof in->observed_from, "decision");
	if ((col = sp_csv_pick_col(r, column, err)) < 0)
		return err ? err->code : SP_EUSAGE;
	if ((ocol = sp_csv_col_index(r, "observed_at")) >= 0) {
		snprintf(in->observed_from, sizeof in->observed_from, "observed_at");
	} else if (load_column) {
		if ((lcol = sp_csv_pick_col(r, load_column, err)) < 0)
			return err ? err->code : SP_EUSAGE;
		snprintf(in->observed_from, sizeof in->observed_from, "%s", sp_csv_colname(r, (size_t)lcol));
	} else if ((lcol = sp_csv_col_index(r, "load")) >= 0) {
		snprintf(in->observed_from, sizeof in->observed_from, "load");
	}
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		prev = t;
		if ((rc = sp_csv_get_timestamp(r, &t, err)) < 0 ||
		    (rc = sp_csv_get_double_req(r, (size_t)col, &v, err)) < 0)
			return rc;
		if (!isnan(prev) && (in->step == 0 || t - prev < in->step))
			in->step = t - prev;
		if (v < 0 || v > 1e6 || v != floor(v))
			return sp_csv_error(r, col, err, SP_EDATA,
			    "replicas must be a whole number from 0 to 1000000: %g", v);
		if (ocol >= 0) {
			if ((rc = sp_csv_get_double(r, (size_t)ocol, &x, err)) < 0)
				return rc;
			if (rc == 0 && (isnan(in->observed) || x > in->observed))
				in->observed = x;
		} else if (lcol >= 0) {
			if ((rc = sp_csv_get_double(r, (size_t)lcol, &x, err)) < 0)
				return rc;
			if (rc == 0)
				in->observed = t;
		}
	}
	if (rc < 0)
		return rc;
	if (sp_csv_rowno(r) < 1 || isnan(t))
		return 1;
	in->replicas = (long)v;
	in->t = t;
	if (ocol < 0 && lcol < 0)
		in->observed = t;
	return SP_OK;
}

int
sp_kube_read_replicas(sp_csv_reader *r, const char *column, long *replicas, double *t, sp_error *err)
{
	sp_kube_input in;
	int rc = sp_kube_read_input(r, column, NULL, &in, err);

	*t = in.t;
	if (rc == 0)
		*replicas = in.replicas;
	return rc;
}

int
sp_kube_read_observed(sp_csv_reader *r, const char *load_column, double *t, sp_error *err)
{
	double ts, x;
	int col, rc;

	*t = NAN;
	if ((col = sp_csv_pick_col(r, load_column, err)) < 0)
		return err ? err->code : SP_EUSAGE;
	while ((rc = sp_csv_next(r, err)) == SP_OK) {
		if ((rc = sp_csv_get_timestamp(r, &ts, err)) < 0 ||
		    (rc = sp_csv_get_double(r, (size_t)col, &x, err)) < 0)
			return rc;
		if (rc == 0)
			*t = ts;
	}
	if (rc < 0)
		return rc;
	return isnan(*t) ? 1 : SP_OK;
}

int
sp_kube_input_age(const sp_kube_input *in, double now, double *age, sp_error *err)
{
	char tb[64];

	if (in->observed > now + 1) {
		snprintf(tb, sizeof tb, "%.17g", in->observed);
		return sp_error_set(err, SP_EDATA, "the newest observed load (%s, from %s) is %.0fs ahead of "
		    "the clock: timestamps in milliseconds, or a wrong clock?", tb, in->observed_from,
		    in->observed - now);
	}
	if (in->t > now + in->step + 1) {
		snprintf(tb, sizeof tb, "%.17g", in->t);
		return sp_error_set(err, SP_EDATA, "the decision row (%s) is %.0fs ahead of the clock, more "
		    "than one step (%gs): timestamps in milliseconds, or a wrong clock?", tb, in->t - now,
		    in->step);
	}
	*age = isnan(in->observed) ? NAN : now - (in->observed < in->t ? in->observed : in->t);
	if (*age < 0)
		*age = 0;
	return SP_OK;
}

int
sp_kube_input_check(const sp_kube_input *in, sp_error *err)
{
	const char *hint;
	char tb[64];

	if ((hint = sp_time_implausible_wall(in->t)) != NULL) {
		sp_time_format(tb, sizeof tb, in->t);
		return sp_error_set(err, SP_EDATA, "the decision row's time (%s) is not a wall-clock time (%s)",
		    tb, hint);
	}
	if (!isnan(in->observed) && (hint = sp_time_implausible_wall(in->observed)) != NULL) {
		if (fabs(in->observed) < 1e15)
			sp_time_format(tb, sizeof tb, in->observed);
		else
			snprintf(tb, sizeof tb, "%.6g", in->observed);
		return sp_error_set(err, SP_EDATA, "the newest observed time (%s, from %s) is not a "
		    "wall-clock time (%s)", tb, in->observed_from, hint);
	}
	return SP_OK;
}

sp_kube_action
sp_kube_decide(long current, long desired, double age, double max_age, int dry_run)
{
	if (desired == current)
		return SP_KUBE_UNCHANGED;
	if (!(age <= max_age))
		return SP_KUBE_HELD_STALE;
	return dry_run ? SP_KUBE_DRY_RUN : SP_KUBE_SCALED;
}

const char *
sp_kube_action_name(sp_kube_action a)
{
	static const char *const names[] = { "unchanged", "held-stale", "dry-run", "scaled", "paused" };
	return (unsigned)a < 5 ? names[a] : "?";
}

/* Re-read after a write whose answer was lost (no answer, or a 5xx that a
 * proxy may give after the server applied it): 0 with res filled when the
 * target now has `target` replicas; else the write's error in err, with
 * what the re-read found. */
static int
reread_after_lost(const sp_kube_cfg *cfg, const sp_http_opts *ho, const sp_kube_apply_opts *a,
    long first, long target, int rc, sp_kube_result *res, sp_error *err)
{
	const sp_kube_target *t = &a->target;
	sp_kube_scale sc;
	sp_error e2;
	long http;
	char msg[SP_ERRMSG_MAX];

	snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
	sp_http_trace(ho, "no answer to the write; re-reading %s/%s", t->resource, t->name);
	if (sp_kube_get_scale(cfg, ho, t->resource, a->ns, t->name, &sc, &http, &e2) < 0)
		return sp_error_set(err, (sp_status)rc, "%s; re-reading it failed too, so whether %s/%s "
		    "changed is unknown: %s", msg, t->resource, t->name, e2.msg);
	if (sc.replicas == target) {
		res->current = first;
		res->replicas = sc.replicas;
		res->action = SP_KUBE_SCALED;
		res->reread = 1;
		return SP_OK;
	}
	return sp_error_set(err, (sp_status)rc, "%s; re-read: %s/%s has %ld replicas (the change to "
	    "%ld was not applied)", msg, t->resource, t->name, sc.replicas, target);
}

int
sp_kube_apply(const sp_kube_cfg *cfg, const sp_http_opts *ho, const sp_kube_apply_opts *a,
    sp_kube_result *res, sp_error *err)
{
	const sp_kube_target *t = &a->target;
	sp_kube_scale sc, after;
	char what[512];
	long http, attempt, first, target;
	int rc, wrote = 0, checked = 0;

	memset(res, 0, sizeof *res);
	/* a dry run over many targets reads their counts from the lists (no
	 * write follows: nothing relies on the read being the newest) */
	if ((rc = a->dry_run ? sp_kube_get_scale_cached(cfg, ho, a->managers, t->resource, a->ns, t->name, &sc,
	    &http, err) : sp_kube_get_scale(cfg, ho, t->resource, a->ns, t->name, &sc, &http, err)) < 0)
		return rc;
	if (!a->force) {
		if ((rc = sp_kube_find_manager_cached(cfg, ho, a->managers, a->ns, t->kind, t->name, what,
		    sizeof what, err)) < 0)
			return rc;
		if (rc > 0)
			return sp_error_set(err, SP_EDATA, "%s/%s in namespace %s is managed by %s; two "
			    "autoscalers would fight (remove it, or use --force)", t->resource, t->name, a->ns, what);
	}
	/* the limits are taken from the first read: a re-read after a conflict
	 * (maybe our own write, applied but unanswered) never steps again */
	first = sc.replicas;
	if (a->hist && a->behavior && a->age <= a->max_age) {
		if ((a->hist_seed && (rc = sp_behavior_record(a->hist, a->now, first, a->behavior->down_window,
		    err)) < 0) || (rc = sp_behavior_record(a->hist, a->now, a->desired,
		    a->behavior->down_window, err)) < 0)
			return rc;
		res->recorded = 1;
	}
	target = a->behavior ? sp_behavior_limit(a->behavior, a->hist, a->now, first, a->desired,
	    &res->rule) : a->desired;
	for (attempt = 0;; attempt++) {
		if (attempt > 0 && (rc = sp_kube_get_scale(cfg, ho, t->resource, a->ns, t->name, &sc, &http,
		    err)) < 0)
			return rc;
		sp_http_trace(ho, "current replicas %ld (resourceVersion %s), desired %ld, input age %.0fs%s%s%s",
		    sc.replicas, sc.rv, a->desired, a->age, target != a->desired ? ", limited (" : "",
		    target != a->desired ? sp_behavior_rule_name(res->rule) : "", target != a->desired ? ")" : "");
		res->current = res->replicas = sc.replicas;
		res->target = target;
		/* stale input moves nothing, whatever the limits would allow */
		res->action = a->desired != sc.replicas && !(a->age <= a->max_age) ? SP_KUBE_HELD_STALE :
		    sp_kube_decide(sc.replicas, target, a->age, a->max_age, a->dry_run);
		/* the kill switch, read once, before anything would move */
		if (!checked && (res->action == SP_KUBE_SCALED || res->action == SP_KUBE_DRY_RUN)) {
			checked = 1;
			if ((rc = sp_kube_get_paused_cached(cfg, ho, a->managers, t->resource, t->kind, a->ns,
			    t->name, res->paused, sizeof res->paused, &http, err)) < 0)
				return rc;
			sp_http_trace(ho, "%s: %s", SP_KUBE_PAUSED_ANNOTATION, res->paused[0] ? res->paused : "absent");
			if (rc > 0) {
				res->action = SP_KUBE_PAUSED;
				return SP_OK;
			}
		}
		if (res->action != SP_KUBE_SCALED) {
			if (wrote && res->action == SP_KUBE_UNCHANGED && sc.replicas != first) {
				/* an earlier write was applied and its answer lost
				 * (its retry then met a conflict) */
				res->current = first;
				res->reread = 1;
				res->action = SP_KUBE_SCALED;
			}
			return SP_OK;
		}
		rc = a->patch
		    ? sp_kube_patch_scale(cfg, ho, t->resource, a->ns, t->name, target, &after, &http, err)
		    : sp_kube_put_scale(cfg, ho, t->resource, a->ns, t->name, target, sc.rv, &after, &http, err);
		wrote = 1;
		if (rc < 0 && http == 409 && attempt < a->conflict_retries) {
			sp_http_trace(ho, "conflict; re-reading (%ld of %ld)", attempt + 1, a->conflict_retries);
			continue;
		}
		if (rc < 0 && (http == 0 || http >= 500))
			return reread_after_lost(cfg, ho, a, first, target, rc, res, err);
		if (rc < 0)
			return rc;
		res->replicas = after.replicas;
		return SP_OK;
	}
}
