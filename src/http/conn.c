/*
 * conn.c -- what a connection may cost and how long it may take, apart
 * from the library.
 *
 * Deadlines: a reaper thread looks at every connection four times a
 * second.  One waiting for a request's head longer than --header-timeout
 * is shut down (a slow drip of headers, an idle keep-alive).  One
 * receiving a body longer than --body-timeout, or slower than
 * --body-min-rate bytes a second on average once BODY_GRACE_SEC have
 * passed, is answered 408 and shut down: the library cannot queue an
 * answer while a body arrives, so the reaper writes the short answer on
 * the socket itself (the library writes nothing while it reads a body).
 * shutdown() leaves the descriptor open; the library notices, closes it
 * and frees the connection.
 *
 * Lingering close: an answer sent before the body was read (401, 403,
 * 413, 429) is followed by the library's close of a socket with unread
 * data, which makes the kernel send a reset that can reach the client
 * before it has read the answer.  As nginx does, such a socket is kept
 * (a dup() taken before the library closes its descriptor), its write
 * side shut, and what the client still sends is read and dropped until it
 * stops, LINGER_IDLE_SEC pass without data, or LINGER_SEC in all.
 *
 * Upload slots: a count of large uploads in all and per caller.
 */
#include "server_int.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REAP_USEC (250 * 1000)
#define LINGER_MAX 128        /* sockets lingering at once; more are closed at once */
#define LINGER_SEC 10.0
#define LINGER_IDLE_SEC 2.0

struct track {
	int fd;
	enum conn_phase phase;
	int killed, linger;
	double since;            /* when the current phase began */
	uint64_t body_bytes;
	struct track *prev, *next;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct track *head;
static volatile int running;
static pthread_t reaper_thread, linger_thread;

struct track *conn_open(int fd)
{
	struct track *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->fd = fd;
	t->phase = CONN_HEAD;
	t->since = now_mono();
	pthread_mutex_lock(&mu);
	t->next = head;
	if (head)
		head->prev = t;
	head = t;
	pthread_mutex_unlock(&mu);
	return t;
}

static void linger_add(int fd);

void conn_closed(struct track *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&mu);
	if (t->prev)
		t->prev->next = t->next;
	else
		head = t->next;
	if (t->next)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&mu);
	if (t->linger && t->fd >= 0) {
		int fd = dup(t->fd);
		if (fd >= 0)
			linger_add(fd);
	}
	free(t);
}

void conn_phase(struct track *t, enum conn_phase ph)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&mu);
	t->phase = ph;
	t->since = now_mono();
	t->body_bytes = 0;
	pthread_mutex_unlock(&mu);
}

void conn_body_bytes(struct track *t, size_t n)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&mu);
	t->body_bytes += n;
	pthread_mutex_unlock(&mu);
}

void conn_linger(struct track *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&mu);
	t->linger = 1;
	pthread_mutex_unlock(&mu);
}

/* ---- the reaper ---- */

#define BODY_408 "{\"error\":{\"code\":\"body_timeout\",\"message\":\"the request body arrived too slowly\",\"field\":null}}"
static char answer_408[512];
static int answer_408_len;

static void answer_408_init(void)
{
	answer_408_len = snprintf(answer_408, sizeof answer_408,
		"HTTP/1.1 408 Request Timeout\r\n"
		"Content-Type: application/json; charset=utf-8\r\n"
		"Cache-Control: no-store\r\n"
		"X-Content-Type-Options: nosniff\r\n"
		"Connection: close\r\n"
		"Content-Length: %zu\r\n"
		"\r\n%s", strlen(BODY_408), BODY_408);
}

/* 1 when a body that began `el` seconds ago with `bytes` so far is late. */
static int body_late(double el, uint64_t bytes)
{
	if (server_cfg.body_timeout && el > server_cfg.body_timeout)
		return 1;
	return server_cfg.body_min_rate && el > BODY_GRACE_SEC && (double)bytes < server_cfg.body_min_rate * el;
}

static void reap_one(struct track *t, double now)
{
	double el = now - t->since;
	if (t->phase == CONN_HEAD && el > server_cfg.header_timeout) {
		shutdown(t->fd, SHUT_RDWR);
		t->killed = 1;
	} else if (t->phase == CONN_BODY && body_late(el, t->body_bytes)) {
		ssize_t k = send(t->fd, answer_408, (size_t)answer_408_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		(void)k;
		shutdown(t->fd, SHUT_RDWR);
		t->killed = 1;
		metrics_record(-1, 408, el);
	}
}

static void *reaper(void *arg)
{
	(void)arg;
	while (running) {
		usleep(REAP_USEC);
		double now = now_mono();
		pthread_mutex_lock(&mu);
		for (struct track *t = head; t; t = t->next)
			if (!t->killed && t->fd >= 0)
				reap_one(t, now);
		pthread_mutex_unlock(&mu);
	}
	return NULL;
}

/* ---- lingering close ---- */

struct lingering {
	int fd;
	double until, idle_until;
};
static struct lingering lingers[LINGER_MAX];
static int nlingers;

static void linger_add(int fd)
{
	pthread_mutex_lock(&mu);
	if (nlingers == LINGER_MAX || !running) {
		pthread_mutex_unlock(&mu);
		close(fd);
		return;
	}
	shutdown(fd, SHUT_WR);   /* the answer is in the socket; then FIN */
	double now = now_mono();
	lingers[nlingers++] = (struct lingering){ fd, now + LINGER_SEC, now + LINGER_IDLE_SEC };
	pthread_mutex_unlock(&mu);
}

/* Read and drop what lingering socket i has; 1 when it is done. */
static int linger_drain(struct lingering *l, double now)
{
	static char sink[65536];   /* only the lingering thread reads into it */
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t k = recv(l->fd, sink, sizeof sink, MSG_DONTWAIT);
		if (k == 0 || (k < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
			return 1;
		if (k < 0)
			break;
		l->idle_until = now + LINGER_IDLE_SEC;
	}
	return now > l->until || now > l->idle_until;
}

static void *linger_loop(void *arg)
{
	(void)arg;
	struct pollfd pf[LINGER_MAX];
	while (running) {
		pthread_mutex_lock(&mu);
		int n = nlingers;
		nfds_t npf = 0;
		for (; npf < (nfds_t)n && npf < LINGER_MAX; npf++)
			pf[npf] = (struct pollfd){ .fd = lingers[npf].fd, .events = POLLIN };
		pthread_mutex_unlock(&mu);
		if (npf == 0) {
			usleep(100 * 1000);
			continue;
		}
		poll(pf, npf, 100);
		double now = now_mono();
		pthread_mutex_lock(&mu);
		/* entries 0..n-1 were polled (new ones are appended); an entry
		 * moved into a freed slot is looked at next round */
		for (int i = n - 1; i >= 0; i--) {
			if (!linger_drain(&lingers[i], now))
				continue;
			close(lingers[i].fd);
			lingers[i] = lingers[--nlingers];
		}
		pthread_mutex_unlock(&mu);
	}
	pthread_mutex_lock(&mu);
	for (int i = 0; i < nlingers; i++)
		close(lingers[i].fd);
	nlingers = 0;
	pthread_mutex_unlock(&mu);
	return NULL;
}

int conn_start(void)
{
	answer_408_init();
	running = 1;
	if (pthread_create(&reaper_thread, NULL, reaper, NULL) != 0)
		return -1;
	if (pthread_create(&linger_thread, NULL, linger_loop, NULL) != 0) {
		running = 0;
		pthread_join(reaper_thread, NULL);
		return -1;
	}
	return 0;
}

void conn_stop(void)
{
	running = 0;
	pthread_join(reaper_thread, NULL);
	pthread_join(linger_thread, NULL);
}

/* ---- upload slots ---- */

#define UPLOAD_USERS 256

static struct {
	int64_t user;
	unsigned n;
} up[UPLOAD_USERS];
static unsigned up_total;

int upload_acquire(int64_t user, unsigned per_user, unsigned total)
{
	pthread_mutex_lock(&mu);
	int slot = -1, free_slot = -1;
	for (int i = 0; i < UPLOAD_USERS; i++) {
		if (up[i].n && up[i].user == user)
			slot = i;
		else if (!up[i].n && free_slot < 0)
			free_slot = i;
	}
	int status = 0;
	if (slot >= 0 && up[slot].n >= per_user)
		status = 429;
	else if (up_total >= total || (slot < 0 && free_slot < 0))
		status = 503;
	else {
		if (slot < 0) {
			slot = free_slot;
			up[slot].user = user;
		}
		up[slot].n++;
		up_total++;
	}
	pthread_mutex_unlock(&mu);
	return status;
}

void upload_release(int64_t user)
{
	pthread_mutex_lock(&mu);
	for (int i = 0; i < UPLOAD_USERS; i++)
		if (up[i].n && up[i].user == user) {
			up[i].n--;
			up_total--;
			break;
		}
	pthread_mutex_unlock(&mu);
}
