/*
 * test_notify_send.c -- the senders' signatures against independent answers
 * (openssl for DingTalk's, RFC 4231 for the webhook's HMAC), and which
 * targets notify_target_check() lets through: only http(s) to an allowed
 * host, however the URL tries to hide another one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/notify.h"

/* DingTalk: the answer of
 *   ts=1733468400123; secret=SECf3c1b2a0d9e8
 *   printf '%s\n%s' "$ts" "$secret" | openssl dgst -sha256 -hmac "$secret" -binary | base64
 * is V+cwWl2GxCkAtNs/Xd4R3pfRNQ3dRc+E/DqNTN4E8Qk= (with '+', '/' and '=',
 * which the URL must carry encoded). */
static void dingtalk_sign_matches_openssl(void **state)
{
	(void)state;
	char *s = notify_dingtalk_sign("SECf3c1b2a0d9e8", 1733468400123LL);
	assert_non_null(s);
	assert_string_equal(s, "V%2BcwWl2GxCkAtNs%2FXd4R3pfRNQ3dRc%2BE%2FDqNTN4E8Qk%3D");
	free(s);
	/* ts=1700000000000 secret=SEC0123456789abcdefTESTSECRET: nothing to encode */
	s = notify_dingtalk_sign("SEC0123456789abcdefTESTSECRET", 1700000000000LL);
	assert_non_null(s);
	assert_string_equal(s, "yHbpmSDmJzxYCGOjdcjfLREnaSKb6zpnBWEDnonL5eg%3D");
	free(s);
	assert_null(notify_dingtalk_sign(NULL, 1));
}

/* RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?". */
static void webhook_sign_rfc4231(void **state)
{
	(void)state;
	const char *data = "what do ya want for nothing?";
	char *s = notify_webhook_sign("Jefe", data, strlen(data));
	assert_non_null(s);
	assert_string_equal(s, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	free(s);
}

static struct notify_conf conf(void)
{
	struct notify_conf c;
	memset(&c, 0, sizeof c);
	c.allowed_hosts = "qyapi.weixin.qq.com,oapi.dingtalk.com, Hooks.Example.ORG ,[::1]";
	c.smtp_url = "smtp://mail.zone.example:587";
	c.smtp_from = "zoneops@zone.example";
	c.ca_file = "";
	return c;
}

/* notify_target_check(kind, target): accepted when reason is NULL, else
 * refused for that reason ("*": any) with parameter pname = pval. */
static void check(const char *kind, const char *target, const char *reason, const char *pname, const char *pval)
{
	struct notify_conf c = conf();
	err_t e;
	err_clear(&e);
	int rc = notify_target_check(&c, kind, target, &e);
	if (reason == NULL) {
		if (rc != 0)
			fail_msg("%s %s refused: %s", kind, target, e.message);
		return;
	}
	if (rc != -1)
		fail_msg("%s %s accepted, expected %s", kind, target, reason);
	assert_int_equal(e.status, 422);
	assert_string_equal(e.code, "invalid_target");
	assert_string_equal(e.field, "target");
	assert_non_null(err_get_param(&e, "reason"));
	if (strcmp(reason, "*") != 0 && strcmp(err_get_param(&e, "reason"), reason) != 0)
		fail_msg("%s %s: reason %s, expected %s (%s)", kind, target, err_get_param(&e, "reason"), reason, e.message);
	if (pname) {
		assert_non_null(err_get_param(&e, pname));
		assert_string_equal(err_get_param(&e, pname), pval);
	}
}

static void targets_allowed(void **state)
{
	(void)state;
	check("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx", NULL, NULL, NULL);
	check("wecom", "https://QYAPI.Weixin.QQ.com/cgi-bin/webhook/send?key=k", NULL, NULL, NULL);   /* uppercase host */
	check("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", NULL, NULL, NULL);
	check("webhook", "http://hooks.example.org:8080/zoneops", NULL, NULL, NULL);  /* list: spaces, case */
	check("webhook", "https://mail.zone.example/hook", NULL, NULL, NULL);         /* smtp.url's host */
	check("webhook", "http://[::1]:8080/hook", NULL, NULL, NULL);                 /* IPv6 in the list */
	check("email", "zhang.san@zone.example", NULL, NULL, NULL);
	check("email", "李四@例子.中国", NULL, NULL, NULL);
}

static void targets_refused(void **state)
{
	(void)state;
	check("webhook", "ftp://qyapi.weixin.qq.com/x", "scheme", "scheme", "ftp");
	check("webhook", "file:///etc/passwd", "scheme", "scheme", "file");
	check("wecom", "gopher://qyapi.weixin.qq.com/_x", "scheme", "scheme", "gopher");
	check("webhook", "smtp://mail.zone.example:587", "scheme", "scheme", "smtp");
	check("webhook", "javascript:alert(1)", "url", NULL, NULL);
	check("webhook", "https://evil.example/hook?key=k", "host", "host", "evil.example");
	check("wecom", "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send", "host", "host",
	      "qyapi.weixin.qq.com.evil.example");
	check("wecom", "https://qyapi.weixin.qq.com./cgi-bin/webhook/send", "host", NULL, NULL);  /* exact names */
	check("wecom", "http://qyapi.weixin.qq.com@evil.example/", "userinfo", NULL, NULL);
	check("wecom", "http://qyapi.weixin.qq.com:pw@evil.example/", "userinfo", NULL, NULL);
	/* other ways to hide a host: whatever libcurl makes of them, never allowed */
	check("wecom", "https://qyapi.weixin.qq.com\\@evil.example/", "*", NULL, NULL);
	check("wecom", "https://evil.example#@qyapi.weixin.qq.com/", "host", "host", "evil.example");
	check("wecom", "https://evil.example?@qyapi.weixin.qq.com/", "host", "host", "evil.example");
	check("wecom", "https://evil.example\\qyapi.weixin.qq.com/", "*", NULL, NULL);
	check("wecom", "http://qyapi.weixin.qq.com%40evil.example/", "*", NULL, NULL);
	check("webhook", "http://[::2]/hook", "host", "host", "[::2]");
	check("webhook", "http://127.0.0.1/hook", "host", "host", "127.0.0.1");
	check("webhook", "qyapi.weixin.qq.com/cgi-bin/webhook/send", "url", NULL, NULL);   /* no scheme */
	check("webhook", "https://qyapi.weixin.qq.com/a b", "url", NULL, NULL);
	check("webhook", "https://qyapi.weixin.qq.com/a\r\nHost: evil.example", "url", NULL, NULL);
	check("webhook", "", "empty", NULL, NULL);
	check("sms", "https://qyapi.weixin.qq.com/", "kind", "kind", "sms");
	check("email", "https://qyapi.weixin.qq.com/", "address", NULL, NULL);
	check("email", "a b@zone.example", "address", NULL, NULL);
	check("email", "a@b@zone.example", "address", NULL, NULL);
	check("email", "<a@zone.example>", "address", NULL, NULL);
	check("email", "a@zone.example\r\nBcc: x@evil.example", "address", NULL, NULL);
	check("email", "a@zone.example,b@evil.example", "address", NULL, NULL);
	check("email", "@zone.example", "address", NULL, NULL);
	check("email", "a@", "address", NULL, NULL);
	char longaddr[300];
	memset(longaddr, 'a', sizeof longaddr);
	memcpy(longaddr + 300 - 14, "@zone.example", 14);   /* 299 bytes */
	check("email", longaddr, "address", NULL, NULL);
	static char longurl[3000];
	snprintf(longurl, sizeof longurl, "https://qyapi.weixin.qq.com/%02900d", 0);
	check("webhook", longurl, "length", NULL, NULL);
}

/* A refused target is not contacted, and the error names no key. */
static void send_refused_without_secrets(void **state)
{
	(void)state;
	struct notify_conf c = conf();
	struct notify_msg m = { .event_id = "zo-1", .title = "t", .markdown = "m", .text = "t", .json = "{}" };
	struct notify_dest d = { "wecom", "https://evil.example/cgi-bin/webhook/send?key=TOPSECRETKEY", "" };
	struct notify_result r;
	assert_int_equal(notify_send(&c, &d, &m, 1733468400123LL, &r), -1);
	assert_int_equal(r.http_status, 0);
	assert_true(r.error[0] != '\0');
	assert_null(strstr(r.error, "TOPSECRETKEY"));
	/* allowed, but nothing listens on port 1: the error has no query either */
	c.allowed_hosts = "127.0.0.1";
	d.kind = "dingtalk";
	d.target = "http://127.0.0.1:1/robot/send?access_token=TOPSECRETTOKEN";
	d.secret = "SECsecretsecret";
	assert_int_equal(notify_send(&c, &d, &m, 1733468400123LL, &r), -1);
	assert_true(r.error[0] != '\0');
	assert_null(strstr(r.error, "TOPSECRETTOKEN"));
	assert_null(strstr(r.error, "SECsecretsecret"));
	assert_null(strstr(r.error, "sign="));
	/* e-mail without smtp.url */
	c.smtp_url = "";
	d.kind = "email";
	d.target = "a@zone.example";
	assert_int_equal(notify_send(&c, &d, &m, 1733468400123LL, &r), -1);
	assert_string_equal(r.error, "smtp.url is not set");
	c.smtp_url = "http://mail.zone.example/";
	assert_int_equal(notify_send(&c, &d, &m, 1733468400123LL, &r), -1);
	assert_string_equal(r.error, "smtp.url must be smtp:// (STARTTLS) or smtps://");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(dingtalk_sign_matches_openssl),
		cmocka_unit_test(webhook_sign_rfc4231),
		cmocka_unit_test(targets_allowed),
		cmocka_unit_test(targets_refused),
		cmocka_unit_test(send_refused_without_secrets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
