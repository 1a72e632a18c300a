package digest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/digest"
)

const webhookToken = "T000/B000/s3cr3tTOKENvalue"

func quickOpts(logs *bytes.Buffer) digest.DeliverOptions {
	return digest.DeliverOptions{
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Attempts: 3, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond,
		Now: func() time.Time { return time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC) },
	}
}

func webhookConfig(u string) config.Digest {
	return config.Digest{Webhook: config.Webhook{Enabled: true, URL: config.NewSecret(u), Timeout: config.Duration(5 * time.Second)}}
}

func TestWebhookRetriesA500ThenSucceeds(t *testing.T) {
	var calls atomic.Int32
	var got map[string]string
	var ctype string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		require.Equal(t, "/services/"+webhookToken, r.URL.Path)
		if calls.Add(1) == 1 {
			http.Error(w, "temporarily unavailable", http.StatusInternalServerError)
			return
		}
		ctype = r.Header.Get("Content-Type")
		require.NoError(t, json.NewDecoder(r.Body).Decode(&got))
		_, _ = io.WriteString(w, "ok")
	}))
	defer srv.Close()
	var logs bytes.Buffer
	dl := digest.NewDeliverer(webhookConfig(srv.URL+"/services/"+webhookToken), quickOpts(&logs))
	require.True(t, dl.Enabled())
	require.NoError(t, dl.Deliver(context.Background(), sampleDigest("2026-10", "")))
	require.Equal(t, int32(2), calls.Load())
	require.Equal(t, "application/json", ctype)
	require.Equal(t, "*Learning digest · October 2026*\n"+
		"• SEV1s fell from 4 to 2 and SEV2s rose from 3 to 5; 19 incidents in all, up from 17.\n"+
		"• MTTR p90 rose 30% to 3h 10m.\n"+
		"<https://aftermath.example.com/digests/2026-10.html|Read the digest>", got["text"])
	require.Contains(t, logs.String(), "digest delivery failed; retrying")
	require.NotContains(t, logs.String(), "s3cr3t")
}

func TestWebhookPermanentFailureStopsAndKeepsTheSecret(t *testing.T) {
	for _, tc := range []struct {
		name      string
		status    int
		wantCalls int32
		wantErr   string
	}{
		{"bad request is permanent", http.StatusBadRequest, 1, "status 400"},
		{"gone is permanent", http.StatusNotFound, 1, "status 404"},
		{"5xx until attempts run out", http.StatusBadGateway, 3, "status 502"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				// a server that echoes the request path must not leak it either
				http.Error(w, "no_service for "+r.URL.Path, tc.status)
			}))
			defer srv.Close()
			var logs bytes.Buffer
			dl := digest.NewDeliverer(webhookConfig(srv.URL+"/services/"+webhookToken), quickOpts(&logs))
			err := dl.Deliver(context.Background(), sampleDigest("2026-10", ""))
			require.ErrorContains(t, err, "digest: deliver by webhook: webhook: "+tc.wantErr)
			require.Equal(t, tc.wantCalls, calls.Load())
			require.NotContains(t, err.Error(), "s3cr3t")
			require.NotContains(t, logs.String(), "s3cr3t")
			require.Contains(t, logs.String(), "digest delivery failed")
		})
	}
}

func TestWebhookUnreachableKeepsTheSecret(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	var logs bytes.Buffer
	dl := digest.NewDeliverer(webhookConfig("http://"+addr+"/services/"+webhookToken), quickOpts(&logs))
	err = dl.Deliver(context.Background(), sampleDigest("2026-10", ""))
	require.ErrorContains(t, err, "webhook: post:")
	require.NotContains(t, err.Error(), "s3cr3t")
	require.NotContains(t, logs.String(), "s3cr3t")
}

func TestWebhookBackoffHonoursTheContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	opts := quickOpts(&logs)
	opts.Backoff, opts.MaxBackoff = time.Hour, time.Hour
	dl := digest.NewDeliverer(webhookConfig(srv.URL+"/services/"+webhookToken), opts)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := dl.Deliver(ctx, sampleDigest("2026-10", ""))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 30*time.Second, "an hour of backoff must not be waited out")
}

// fakeSMTP speaks enough SMTP for net/smtp: EHLO, STARTTLS, AUTH, MAIL,
// RCPT, DATA, QUIT.
type fakeSMTP struct {
	t         *testing.T
	ln        net.Listener
	tlsConf   *tls.Config // for STARTTLS
	startTLS  bool
	mailCodes []int // reply to MAIL FROM per session; 250 after the list
	rcptCode  int
	authCode  int

	mu       sync.Mutex
	sessions int
	msgs     []fakeMsg
}

type fakeMsg struct {
	from string
	to   []string
	data []byte
	tls  bool
	auth string
}

func startFakeSMTP(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	f.t = t
	if f.ln == nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		f.ln = ln
	}
	t.Cleanup(func() { _ = f.ln.Close() })
	go func() {
		for {
			c, err := f.ln.Accept()
			if err != nil {
				return
			}
			go f.session(c)
		}
	}()
	return f
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) session(conn net.Conn) {
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	f.mu.Lock()
	n := f.sessions
	f.sessions++
	f.mu.Unlock()
	_, isTLS := conn.(*tls.Conn)
	tp := textproto.NewConn(conn)
	var msg fakeMsg
	msg.tls = isTLS
	reply := func(s string) { _ = tp.PrintfLine("%s", s) }
	reply("220 fake ESMTP")
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb := strings.ToUpper(strings.Fields(line + " x")[0])
		switch verb {
		case "EHLO", "HELO":
			lines := []string{"250-fake greets you"}
			if f.startTLS && !msg.tls {
				lines = append(lines, "250-STARTTLS")
			}
			lines = append(lines, "250-AUTH PLAIN", "250 8BITMIME")
			for _, l := range lines {
				reply(l)
			}
		case "STARTTLS":
			reply("220 go ahead")
			tc := tls.Server(conn, f.tlsConf)
			if err := tc.Handshake(); err != nil {
				return
			}
			tp = textproto.NewConn(tc)
			msg.tls = true
		case "AUTH":
			msg.auth = line
			if f.authCode != 0 {
				reply(strconv.Itoa(f.authCode) + " 5.7.8 authentication failed")
				continue
			}
			reply("235 ok")
		case "MAIL":
			code := 250
			if n < len(f.mailCodes) {
				code = f.mailCodes[n]
			}
			if code != 250 {
				reply(strconv.Itoa(code) + " try later")
				continue
			}
			msg.from = line
			reply("250 ok")
		case "RCPT":
			if f.rcptCode != 0 {
				reply(strconv.Itoa(f.rcptCode) + " no such user")
				continue
			}
			msg.to = append(msg.to, line)
			reply("250 ok")
		case "DATA":
			reply("354 end with .")
			data, err := tp.ReadDotBytes()
			if err != nil {
				return
			}
			msg.data = data
			f.mu.Lock()
			f.msgs = append(f.msgs, msg)
			f.mu.Unlock()
			reply("250 queued")
		case "RSET", "NOOP":
			reply("250 ok")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown")
		}
	}
}

func (f *fakeSMTP) messages() []fakeMsg {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMsg(nil), f.msgs...)
}

func smtpConfig(port int, tlsMode string) config.Digest {
	return config.Digest{SMTP: config.SMTP{
		Enabled: true, Host: "127.0.0.1", Port: port, TLS: tlsMode,
		From: "Aftermath <aftermath@example.com>", To: []string{"cto@example.com", "VP Eng <vp@example.com>"},
		Timeout: config.Duration(10 * time.Second),
	}}
}

// parts decodes the multipart/alternative message into its parts by type.
func parts(t *testing.T, raw []byte) (*mail.Message, map[string]string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mt)
	out := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.Equal(t, "quoted-printable", p.Header.Get("Content-Transfer-Encoding"))
		b, err := io.ReadAll(quotedprintable.NewReader(p))
		require.NoError(t, err)
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out[ct] = string(b)
	}
	return m, out
}

func TestSMTPWithoutTLSSendsTheHTMLPage(t *testing.T) {
	f := startFakeSMTP(t, &fakeSMTP{})
	var logs bytes.Buffer
	d := sampleDigest("2026-10", "")
	d.Title = "Learning digest · Ünïcode\r\nBcc: evil@example.com"
	dl := digest.NewDeliverer(smtpConfig(f.port(), config.TLSNone), quickOpts(&logs))
	require.NoError(t, dl.Deliver(context.Background(), d))
	msgs := f.messages()
	require.Len(t, msgs, 1)
	require.Equal(t, "MAIL FROM:<aftermath@example.com> BODY=8BITMIME", msgs[0].from)
	require.Equal(t, []string{"RCPT TO:<cto@example.com>", "RCPT TO:<vp@example.com>"}, msgs[0].to)
	require.False(t, msgs[0].tls)

	m, ps := parts(t, msgs[0].data)
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	require.Equal(t, "Learning digest · Ünïcode  Bcc: evil@example.com", subject, "no header injection through the title")
	require.Empty(t, m.Header.Get("Bcc"))
	require.Equal(t, `"Aftermath" <aftermath@example.com>`, m.Header.Get("From"))
	require.Contains(t, m.Header.Get("To"), "<vp@example.com>")
	require.Equal(t, "Sun, 01 Nov 2026 07:00:00 +0000", m.Header.Get("Date"))
	require.Contains(t, ps["text/html"], "<!DOCTYPE html>")
	require.Contains(t, ps["text/html"], "MTTR p90 rose 30% to 3h 10m.")
	require.Contains(t, ps["text/plain"], "- MTTR p90 rose 30% to 3h 10m.")
}

func TestSMTPRetriesATemporaryFailure(t *testing.T) {
	f := startFakeSMTP(t, &fakeSMTP{mailCodes: []int{451, 421}})
	var logs bytes.Buffer
	dl := digest.NewDeliverer(smtpConfig(f.port(), config.TLSNone), quickOpts(&logs))
	require.NoError(t, dl.Deliver(context.Background(), sampleDigest("2026-10", "")))
	require.Len(t, f.messages(), 1)
	f.mu.Lock()
	require.Equal(t, 3, f.sessions, "two temporary failures, then delivered")
	f.mu.Unlock()
}

func TestSMTPPermanentFailures(t *testing.T) {
	t.Run("rejected recipient", func(t *testing.T) {
		f := startFakeSMTP(t, &fakeSMTP{rcptCode: 550})
		var logs bytes.Buffer
		dl := digest.NewDeliverer(smtpConfig(f.port(), config.TLSNone), quickOpts(&logs))
		err := dl.Deliver(context.Background(), sampleDigest("2026-10", ""))
		require.ErrorContains(t, err, "digest: deliver by smtp: smtp: rcpt to cto@example.com: 550")
		f.mu.Lock()
		require.Equal(t, 1, f.sessions, "a 5xx is not retried")
		f.mu.Unlock()
	})
	t.Run("starttls required but not offered", func(t *testing.T) {
		f := startFakeSMTP(t, &fakeSMTP{})
		var logs bytes.Buffer
		dl := digest.NewDeliverer(smtpConfig(f.port(), config.TLSStartTLS), quickOpts(&logs))
		err := dl.Deliver(context.Background(), sampleDigest("2026-10", ""))
		require.ErrorContains(t, err, "does not offer STARTTLS")
		require.Empty(t, f.messages(), "never falls back to plain text")
	})
}

// testTLS borrows httptest's certificate (valid for 127.0.0.1) for the fake
// server and returns a client config that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(ts.Close)
	client = ts.Client().Transport.(*http.Transport).TLSClientConfig.Clone()
	return &tls.Config{Certificates: ts.TLS.Certificates}, client
}

func TestSMTPStartTLSAndImplicitTLSWithAuth(t *testing.T) {
	serverTLS, clientTLS := testTLS(t)
	for _, mode := range []string{config.TLSStartTLS, config.TLSImplicit} {
		t.Run(mode, func(t *testing.T) {
			f := &fakeSMTP{tlsConf: serverTLS, startTLS: mode == config.TLSStartTLS}
			if mode == config.TLSImplicit {
				ln, err := tls.Listen("tcp", "127.0.0.1:0", serverTLS)
				require.NoError(t, err)
				f.ln = ln
			}
			startFakeSMTP(t, f)
			cfg := smtpConfig(f.port(), mode)
			cfg.SMTP.Username = "digest-bot"
			cfg.SMTP.Password = config.NewSecret("hunter2-very-secret")
			var logs bytes.Buffer
			opts := quickOpts(&logs)
			opts.TLSConfig = clientTLS
			require.NoError(t, digest.NewDeliverer(cfg, opts).Deliver(context.Background(), sampleDigest("2026-10", "")))
			msgs := f.messages()
			require.Len(t, msgs, 1)
			require.True(t, msgs[0].tls, "the message travelled over TLS")
			require.True(t, strings.HasPrefix(msgs[0].auth, "AUTH PLAIN "), msgs[0].auth)
		})
	}
	t.Run("failed authentication keeps the password secret", func(t *testing.T) {
		f := startFakeSMTP(t, &fakeSMTP{tlsConf: serverTLS, startTLS: true, authCode: 535})
		cfg := smtpConfig(f.port(), config.TLSStartTLS)
		cfg.SMTP.Username = "digest-bot"
		cfg.SMTP.Password = config.NewSecret("hunter2-very-secret")
		var logs bytes.Buffer
		opts := quickOpts(&logs)
		opts.TLSConfig = clientTLS
		err := digest.NewDeliverer(cfg, opts).Deliver(context.Background(), sampleDigest("2026-10", ""))
		require.ErrorContains(t, err, "smtp: authenticate as digest-bot: 535")
		require.NotContains(t, err.Error(), "hunter2")
		require.NotContains(t, logs.String(), "hunter2")
		f.mu.Lock()
		require.Equal(t, 1, f.sessions, "authentication failures are not retried")
		f.mu.Unlock()
	})
}

func TestDeliveryIsOffByDefault(t *testing.T) {
	dl := digest.NewDeliverer(config.Default().Digest, digest.DeliverOptions{})
	require.False(t, dl.Enabled())
	require.NoError(t, dl.Deliver(context.Background(), sampleDigest("2026-10", "")))
}

// TestMonthlyWritesOnceAndRetriesAFailedDelivery: the digest is written
// before delivery and kept when delivery fails; every later run tries the
// delivery again (a failure each time, so the job's failures stay visible)
// until it succeeds, and then nothing is due.
func TestMonthlyWritesOnceAndRetriesAFailedDelivery(t *testing.T) {
	st := orgFixture(t).store()
	var failing atomic.Bool
	failing.Store(true)
	var posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		posts.Add(1)
		if failing.Load() {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	dir := filepath.Join(t.TempDir(), "digests")
	now := time.Date(2026, 11, 1, 7, 0, 0, 0, time.UTC)
	m := &digest.Monthly{
		Reader: st, Dir: dir, Location: time.UTC, BaseURL: "http://localhost:9187/digests/",
		Deliverer: digest.NewDeliverer(webhookConfig(srv.URL+"/services/"+webhookToken), quickOpts(&logs)),
		Now:       func() time.Time { return now },
		Logger:    slog.New(slog.NewTextHandler(&logs, nil)),
	}
	month, err := m.Run(context.Background())
	require.Equal(t, "2026-10", month)
	require.ErrorContains(t, err, "digest: deliver by webhook: webhook: status 500")
	require.ErrorContains(t, err, "tried again at the next run")
	require.FileExists(t, filepath.Join(dir, "2026-10.html"), "the digest is written before delivery")
	require.FileExists(t, filepath.Join(dir, "2026-10.md"))
	require.FileExists(t, filepath.Join(dir, "index.html"))
	require.NotContains(t, logs.String(), "s3cr3t")

	before := posts.Load()
	month, err = m.Run(context.Background())
	require.Equal(t, "2026-10", month, "the delivery is still owed")
	require.Error(t, err)
	require.Greater(t, posts.Load(), before, "delivered again")

	failing.Store(false)
	before = posts.Load()
	month, err = m.Run(context.Background())
	require.NoError(t, err)
	require.Equal(t, "2026-10", month)
	require.Equal(t, before+1, posts.Load())

	month, err = m.Run(context.Background())
	require.NoError(t, err)
	require.Empty(t, month, "written and delivered this month")
	require.Equal(t, before+1, posts.Load())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 3, "the three files, no marker left")
}

func TestMonthlyWaitsForAnAnalysisAfterTheMonthEnded(t *testing.T) {
	f := orgFixture(t)
	f.runAt = time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC) // before October ended
	st := f.store()
	dir := t.TempDir()
	m := &digest.Monthly{Reader: st, Dir: dir, Now: func() time.Time { return time.Date(2026, 11, 1, 0, 5, 0, 0, time.UTC) }}
	month, err := m.Run(context.Background())
	require.NoError(t, err)
	require.Empty(t, month)
	require.Empty(t, names(t, dir))
}

// TestMonthlyWritesNothingForAMonthBeforeTheData: serve's monthly digest
// for a month before the data starts (a history backfilled from later) is
// not written and is not an error: there is nothing to report.
func TestMonthlyWritesNothingForAMonthBeforeTheData(t *testing.T) {
	st := orgFixture(t).store() // data from April 2026
	dir := t.TempDir()
	m := &digest.Monthly{Reader: st, Dir: dir, Now: func() time.Time { return time.Date(2026, 3, 1, 0, 5, 0, 0, time.UTC) }}
	month, err := m.Run(context.Background())
	require.NoError(t, err)
	require.Empty(t, month)
	require.Empty(t, names(t, dir))
}
