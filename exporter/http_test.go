package exporter

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func TestHandlerRoutes(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "aftermath_test_gauge", Help: "Test."})
	g.Set(3)
	reg.MustRegister(g)
	notReady := errors.New("store: database \"aftermath\" has schema version 0, this aftermath needs 2: run `aftermath migrate`")
	var readyErr error
	digests := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "digest "+r.URL.Path) })
	h, err := NewHandler(HandlerOptions{
		Gatherer: reg, Registerer: reg, Digests: digests, Version: "v1.2.3",
		Ready: func(context.Context) error { return readyErr },
	})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()

	tests := []struct {
		name     string
		path     string
		setReady error
		code     int
		contains []string
	}{
		{"metrics", "/metrics", nil, 200, []string{"aftermath_test_gauge 3\n"}},
		{"landing page links everything", "/", nil, 200, []string{"Aftermath", `href="/metrics"`, `href="/digests/"`, `href="/healthz"`, `href="/readyz"`, "v1.2.3"}},
		{"healthz", "/healthz", nil, 200, []string{"ok"}},
		{"readyz ready", "/readyz", nil, 200, []string{"ready"}},
		{"readyz not ready says why", "/readyz", notReady, 503, []string{"not ready: ", "aftermath migrate"}},
		{"healthz while not ready", "/healthz", notReady, 200, []string{"ok"}},
		{"digests", "/digests/2026-01.html", nil, 200, []string{"digest /2026-01.html"}},
		{"unknown path", "/nope", nil, 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			readyErr = tc.setReady
			code, body := get(t, srv.URL+tc.path)
			require.Equal(t, tc.code, code, body)
			for _, s := range tc.contains {
				require.Contains(t, body, s)
			}
		})
	}
	_, body := get(t, srv.URL+"/metrics")
	require.Contains(t, body, `promhttp_metric_handler_requests_total{code="200"}`, "the handler's own metrics are registered")
}

func TestLandingPageWithoutDigests(t *testing.T) {
	h, err := NewHandler(HandlerOptions{Gatherer: prometheus.NewRegistry()})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, body := get(t, srv.URL+"/")
	require.NotContains(t, body, "digests/")
	code, _ := get(t, srv.URL+"/digests/")
	require.Equal(t, 404, code)
}

func TestAddFlags(t *testing.T) {
	tests := []struct {
		def       string
		args      []string
		addresses []string
		config    string
	}{
		{":9847", nil, []string{":9847"}, ""},
		{":9847", []string{"--web.listen-address=127.0.0.1:1", "--web.listen-address", "[::1]:2", "--web.config.file=web.yml"}, []string{"127.0.0.1:1", "[::1]:2"}, "web.yml"},
		// No default: the list stays empty unless the flag is given, so
		// serve can fall back to exporter.listen_address (it seeded "",
		// which listened on a random port of every interface).
		{"", nil, nil, ""},
		{"", []string{"--web.listen-address=127.0.0.1:1"}, []string{"127.0.0.1:1"}, ""},
	}
	for _, tc := range tests {
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fc := AddFlags(fs, tc.def)
		require.NoError(t, fs.Parse(tc.args))
		require.Equal(t, tc.addresses, *fc.WebListenAddresses)
		require.Equal(t, tc.config, *fc.WebConfigFile)
		require.False(t, *fc.WebSystemdSocket)
	}
}

// Serve with exporter-toolkit's web config: TLS and basic auth, then a
// graceful stop when the context ends.
func TestServeTLSAndBasicAuth(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.crt"), certPEM, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "tls.key"), keyPEM, 0o600))
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	require.NoError(t, err)
	webCfg := filepath.Join(dir, "web.yml")
	require.NoError(t, os.WriteFile(webCfg, []byte("tls_server_config:\n  cert_file: tls.crt\n  key_file: tls.key\nbasic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600))

	addr := freeAddr(t)
	h, err := NewHandler(HandlerOptions{Gatherer: prometheus.NewRegistry()})
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, h, FlagConfig([]string{addr}, webCfg), nil) }()

	pool := x509.NewCertPool()
	require.True(t, pool.AppendCertsFromPEM(certPEM))
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	url := "https://" + addr + "/healthz"
	var resp *http.Response
	require.Eventually(t, func() bool {
		resp, err = client.Get(url)
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "server did not start: %v", err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "basic auth is required")

	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.SetBasicAuth("prometheus", "wrong")
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)

	req.SetBasicAuth("prometheus", "s3cret")
	resp, err = client.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	if plain, err := http.Get("http://" + addr + "/healthz"); err == nil {
		plain.Body.Close()
		require.Equal(t, http.StatusBadRequest, plain.StatusCode, "plain HTTP must not be served on the TLS port")
	}

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err, "graceful stop")
	case <-time.After(15 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	_, err = client.Get(url)
	require.Error(t, err, "the listener is closed")
}

func TestServeReportsListenErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	h, err := NewHandler(HandlerOptions{Gatherer: prometheus.NewRegistry()})
	require.NoError(t, err)
	err = Serve(context.Background(), h, FlagConfig([]string{ln.Addr().String()}, ""), nil)
	require.ErrorContains(t, err, "address already in use")
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func selfSigned(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "aftermath-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	kb, err := x509.MarshalECPrivateKey(key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}
