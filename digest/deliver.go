package digest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aftermath-sre/aftermath/config"
)

// DeliverOptions configure a Deliverer. Zero values take defaults.
type DeliverOptions struct {
	// HTTPClient posts to the webhook; a client with the webhook's timeout
	// when nil.
	HTTPClient *http.Client
	Logger     *slog.Logger
	// Attempts per channel (4 when 0); a permanent failure stops at once.
	Attempts int
	// Backoff is the wait after the first failure, doubled after each
	// (2s when 0), capped at MaxBackoff (1m when 0).
	Backoff    time.Duration
	MaxBackoff time.Duration
	// TLSConfig is cloned for STARTTLS and implicit TLS (tests add a root
	// CA); ServerName is set to the SMTP host.
	TLSConfig *tls.Config
	Now       func() time.Time
}

// Deliverer sends a written digest to the configured webhook and mailbox.
// Delivery is off unless enabled in config.
type Deliverer struct {
	webhook config.Webhook
	smtp    config.SMTP
	opts    DeliverOptions
}

// NewDeliverer returns a Deliverer for the digest section of the config.
func NewDeliverer(cfg config.Digest, opts DeliverOptions) *Deliverer {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Attempts <= 0 {
		opts.Attempts = 4
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 2 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		t := time.Duration(cfg.Webhook.Timeout)
		if t <= 0 {
			t = 10 * time.Second
		}
		opts.HTTPClient = &http.Client{Timeout: t}
	}
	return &Deliverer{webhook: cfg.Webhook, smtp: cfg.SMTP, opts: opts}
}

// Enabled reports whether any channel is enabled.
func (dl *Deliverer) Enabled() bool { return dl.webhook.Enabled || dl.smtp.Enabled }

// Deliver sends the digest over every enabled channel. Each channel retries
// transient failures with backoff; the returned error joins the channels
// that failed. Secrets (the webhook URL, the SMTP password) never appear in
// errors or logs.
func (dl *Deliverer) Deliver(ctx context.Context, d *Digest) error {
	var errs []error
	if dl.webhook.Enabled {
		if err := dl.retry(ctx, "webhook", func(ctx context.Context) (bool, time.Duration, error) { return dl.postWebhook(ctx, d) }); err != nil {
			errs = append(errs, err)
		}
	}
	if dl.smtp.Enabled {
		msg, err := dl.message(d)
		if err != nil {
			errs = append(errs, err)
		} else if err := dl.retry(ctx, "smtp", func(ctx context.Context) (bool, time.Duration, error) {
			retry, err := dl.sendMail(ctx, msg)
			return retry, 0, err
		}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// retry runs fn until it succeeds, fails permanently, runs out of attempts
// or ctx ends. fn returns whether its error is worth retrying and an
// optional server-requested wait.
func (dl *Deliverer) retry(ctx context.Context, channel string, fn func(context.Context) (bool, time.Duration, error)) error {
	wait := dl.opts.Backoff
	var err error
	for attempt := 1; attempt <= dl.opts.Attempts; attempt++ {
		var retryable bool
		var after time.Duration
		retryable, after, err = fn(ctx)
		if err == nil {
			dl.opts.Logger.Info("digest delivered", "channel", channel, "attempt", attempt)
			return nil
		}
		if !retryable || attempt == dl.opts.Attempts {
			break
		}
		w := max(wait, min(after, dl.opts.MaxBackoff))
		dl.opts.Logger.Warn("digest delivery failed; retrying", "channel", channel, "attempt", attempt, "retry_in", w, "err", err.Error())
		t := time.NewTimer(w)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("digest: deliver by %s: %w (last error: %v)", channel, ctx.Err(), err)
		case <-t.C:
		}
		wait = min(wait*2, dl.opts.MaxBackoff)
	}
	dl.opts.Logger.Error("digest delivery failed", "channel", channel, "err", err.Error())
	return fmt.Errorf("digest: deliver by %s: %w", channel, err)
}

// webhookText is the Slack message: the title, the summary and a link.
func webhookText(d *Digest) string {
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	var b strings.Builder
	b.WriteString("*" + esc.Replace(d.Title) + "*\n")
	for _, s := range d.Summary {
		b.WriteString("• " + esc.Replace(s) + "\n")
	}
	if d.Links.HTML != "" {
		b.WriteString("<" + strings.NewReplacer("|", "%7C", ">", "%3E", "<", "%3C").Replace(d.Links.HTML) + "|Read the digest>")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (dl *Deliverer) postWebhook(ctx context.Context, d *Digest) (retryable bool, after time.Duration, err error) {
	secret := dl.webhook.URL.Reveal()
	if secret == "" {
		return false, 0, errors.New("webhook: no URL configured")
	}
	body, err := json.Marshal(map[string]string{"text": webhookText(d)})
	if err != nil {
		return false, 0, fmt.Errorf("webhook: encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, secret, bytes.NewReader(body))
	if err != nil {
		return false, 0, errors.New("webhook: the configured URL is not valid") // never echo it
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := dl.opts.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // url.Error carries the URL
		}
		return ctx.Err() == nil, 0, fmt.Errorf("webhook: post: %s", redact(err.Error(), secret))
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, 0, nil
	}
	msg := strings.TrimSpace(redact(string(snippet), secret))
	e := fmt.Errorf("webhook: status %d", resp.StatusCode)
	if msg != "" {
		e = fmt.Errorf("webhook: status %d: %q", resp.StatusCode, msg)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return true, retryAfter(resp.Header.Get("Retry-After")), e
	case resp.StatusCode >= 500, resp.StatusCode == http.StatusRequestTimeout:
		return true, 0, e
	}
	return false, 0, e
}

// redact removes the secret URL and its path (the token part) from text.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, "<redacted>")
	if u, err := url.Parse(secret); err == nil && len(u.Path) > 1 {
		s = strings.ReplaceAll(s, u.Path, "/<redacted>")
	}
	return s
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// message builds the email: multipart/alternative with the Markdown as
// plain text and the self-contained HTML page.
func (dl *Deliverer) message(d *Digest) ([]byte, error) {
	html, err := RenderHTML(d)
	if err != nil {
		return nil, err
	}
	text, err := RenderMarkdown(d)
	if err != nil {
		return nil, err
	}
	from, err := mail.ParseAddress(dl.smtp.From)
	if err != nil {
		return nil, fmt.Errorf("digest: smtp: from address: %w", err)
	}
	var to []string
	for _, a := range dl.smtp.To {
		addr, err := mail.ParseAddress(a)
		if err != nil {
			return nil, fmt.Errorf("digest: smtp: to address: %w", err)
		}
		to = append(to, addr.String())
	}
	if len(to) == 0 {
		return nil, errors.New("digest: smtp: no recipient")
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	subject := strings.NewReplacer("\r", " ", "\n", " ").Replace(d.Title)
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	hdr := []struct{ k, v string }{
		{"From", from.String()},
		{"To", strings.Join(to, ", ")},
		{"Subject", mime.QEncoding.Encode("utf-8", subject)},
		{"Date", dl.opts.Now().Format(time.RFC1123Z)},
		{"Message-ID", "<digest-" + FileBase(d.Month, d.Team) + "-" + hex.EncodeToString(id) + "@aftermath>"},
		{"MIME-Version", "1.0"},
		{"Content-Type", `multipart/alternative; boundary="` + mw.Boundary() + `"`},
	}
	var head bytes.Buffer
	for _, h := range hdr {
		head.WriteString(h.k + ": " + h.v + "\r\n")
	}
	head.WriteString("\r\n")
	for _, part := range []struct {
		ctype string
		body  []byte
	}{{"text/plain; charset=utf-8", text}, {"text/html; charset=utf-8", html}} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.ctype},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("digest: smtp: build message: %w", err)
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write(part.body); err != nil {
			return nil, fmt.Errorf("digest: smtp: build message: %w", err)
		}
		if err := qp.Close(); err != nil {
			return nil, fmt.Errorf("digest: smtp: build message: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("digest: smtp: build message: %w", err)
	}
	return append(head.Bytes(), buf.Bytes()...), nil
}

// sendMail runs one SMTP session. It reports whether a failure is worth
// retrying: network trouble and 4xx replies are; 5xx replies, a server
// without STARTTLS when it is required and authentication failures are not.
func (dl *Deliverer) sendMail(ctx context.Context, msg []byte) (retryable bool, err error) {
	s := dl.smtp
	timeout := time.Duration(s.Timeout)
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	tlsConf := &tls.Config{MinVersion: tls.VersionTLS12}
	if dl.opts.TLSConfig != nil {
		tlsConf = dl.opts.TLSConfig.Clone()
	}
	tlsConf.ServerName = s.Host

	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var conn net.Conn
	nd := &net.Dialer{}
	if s.TLS == config.TLSImplicit {
		conn, err = (&tls.Dialer{NetDialer: nd, Config: tlsConf}).DialContext(dctx, "tcp", addr)
	} else {
		conn, err = nd.DialContext(dctx, "tcp", addr)
	}
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("smtp: connect %s: %w", addr, err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		return smtpRetryable(err), fmt.Errorf("smtp: greeting from %s: %w", addr, err)
	}
	defer c.Close()
	if err := c.Hello("aftermath.localhost"); err != nil {
		return smtpRetryable(err), fmt.Errorf("smtp: hello: %w", err)
	}
	if s.TLS == config.TLSStartTLS {
		if ok, _ := c.Extension("STARTTLS"); !ok {
			return false, fmt.Errorf("smtp: %s does not offer STARTTLS (set digest.smtp.tls to tls or none)", addr)
		}
		if err := c.StartTLS(tlsConf); err != nil {
			return false, fmt.Errorf("smtp: starttls: %w", err)
		}
	}
	if s.Username != "" {
		if err := c.Auth(smtp.PlainAuth("", s.Username, s.Password.Reveal(), s.Host)); err != nil {
			return false, fmt.Errorf("smtp: authenticate as %s: %s", s.Username, redact(err.Error(), s.Password.Reveal()))
		}
	}
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return false, fmt.Errorf("smtp: from address: %w", err)
	}
	if err := c.Mail(from.Address); err != nil {
		return smtpRetryable(err), fmt.Errorf("smtp: mail from: %w", err)
	}
	for _, to := range s.To {
		a, err := mail.ParseAddress(to)
		if err != nil {
			return false, fmt.Errorf("smtp: to address: %w", err)
		}
		if err := c.Rcpt(a.Address); err != nil {
			return smtpRetryable(err), fmt.Errorf("smtp: rcpt to %s: %w", a.Address, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return smtpRetryable(err), fmt.Errorf("smtp: data: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return true, fmt.Errorf("smtp: send message: %w", err)
	}
	if err := w.Close(); err != nil {
		return smtpRetryable(err), fmt.Errorf("smtp: end message: %w", err)
	}
	if err := c.Quit(); err != nil {
		// The message was accepted; a failed QUIT loses nothing.
		dl.opts.Logger.Debug("smtp quit failed after delivery", "err", err.Error())
	}
	return false, nil
}

func smtpRetryable(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 400 && te.Code < 500
	}
	return true
}
