/*
 * smtp_plugin.h - the ABI of qmail-smtpd SMTP plugins, for plugin authors
 * (indimail-rs; test a plugin with plugtest(8)).
 *
 * A plugin is a shared object that exports an entry point, by default
 * `plugin_init` (qmail-smtpd and plugtest look up SMTP_PLUGIN_SYMB if set).
 * It takes no argument and returns a pointer to a PLUGIN that stays valid as
 * long as the library is loaded (normally a static struct); NULL means the
 * plugin failed and the SMTP session ends with a temporary error.
 *
 * Files are looked up in PLUGINDIR (absolute; default PREFIX/lib/indimail/plugins):
 * SMTP_PLUGIN (default smtpd-plugin.so), then smtpd-plugin0.so ... smtpd-plugin9.so
 * up to the first missing number. Hooks run in that order; in qmail-smtpd the
 * first hook that rejects ends the chain for that command.
 *
 * Every hook returns 0 to let the command go on. To reject, set *mesg to a
 * complete SMTP reply, status code and trailing CRLF included
 * ("553 not here (#5.7.1)\r\n"), and return non-zero. The host sends the
 * text as it is and never frees it: use a string literal or static storage.
 * A slot left NULL means "no hook for this phase".
 *
 * Build: cc -shared -fPIC -o smtpd-plugin.so myplugin.c
 */
#ifndef SMTP_PLUGIN_H
#define SMTP_PLUGIN_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
	/* MAIL FROM, after the built-in checks: the client's IP address and the
	 * envelope sender without angle brackets ("" for the null sender). */
	int (*mail_func) (const char *remoteip, const char *from, char **mesg);
	/* RCPT TO, after the built-in checks: the IP, the accepted sender and
	 * the recipient address. */
	int (*rcpt_func) (const char *remoteip, const char *from, const char *rcpt, char **mesg);
	/* After DATA was received, before the message is committed: the local
	 * host name, the client's IP, its host name ("unknown" if not known) and
	 * the TCPREMOTEINFO or authenticated user, which may be NULL. */
	int (*data_func) (const char *local, const char *remoteip, const char *remotehost,
			const char *remoteinfo, char **mesg);
} PLUGIN;

/* The entry point every plugin exports (or the name in SMTP_PLUGIN_SYMB). */
PLUGIN *plugin_init(void);

#ifdef __cplusplus
}
#endif

#endif /* SMTP_PLUGIN_H */
