// Package chserver runs a managed local clickhouse-server as a child process:
// loopback only, on free ports, with a data folder of its own. Aftermath uses it
// when no ClickHouse address is configured, and the test suite uses it through
// store/chtest.
package chserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Options configure Start.
type Options struct {
	Binary       string        // default "clickhouse-server" from PATH
	StateDir     string        // data, logs and config live here; required
	StartTimeout time.Duration // default 60s
	Logger       *slog.Logger
}

// Server is a running managed clickhouse-server.
type Server struct {
	cmd     *exec.Cmd
	dir     string
	addr    string
	lock    *os.File
	logger  *slog.Logger
	done    chan struct{}
	waitErr error
	stopped sync.Once
}

// ErrBinaryMissing is returned when clickhouse-server is not installed.
var ErrBinaryMissing = errors.New("clickhouse-server not found on PATH: install it (Debian/Ubuntu: `sudo apt-get install -y clickhouse-server`; elsewhere see https://clickhouse.com/docs/en/install) or set clickhouse.addresses")

// Start starts clickhouse-server and waits until it answers on the native port.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Binary == "" {
		opts.Binary = "clickhouse-server"
	}
	if opts.StartTimeout == 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.StateDir == "" {
		return nil, errors.New("chserver: no state folder")
	}
	bin, err := exec.LookPath(opts.Binary)
	if err != nil {
		if opts.Binary != "clickhouse-server" {
			return nil, fmt.Errorf("chserver: %s: %w", opts.Binary, err)
		}
		return nil, ErrBinaryMissing
	}
	dir, err := filepath.Abs(opts.StateDir)
	if err != nil {
		return nil, fmt.Errorf("chserver: state folder: %w", err)
	}
	for _, sub := range []string{"data", "tmp", "user_files", "format_schemas", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("chserver: create %s: %w", sub, err)
		}
	}
	// One server per state folder: the lock is released by the kernel when its
	// holder dies, so a lock left by a killed run never blocks the next one.
	lock, err := os.OpenFile(filepath.Join(dir, "aftermath.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("chserver: lock file: %w", err)
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("chserver: state folder %s is in use by another aftermath (lock %s): stop it or choose another clickhouse.managed.state_dir", dir, lock.Name())
	}
	cleanupLock := func() { _ = syscall.Flock(int(lock.Fd()), syscall.LOCK_UN); lock.Close() }
	// A server orphaned by a killed aftermath still holds the data folder.
	killOrphan(filepath.Join(dir, "server.pid"), opts.Logger)

	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		s, err := start(ctx, bin, dir, opts)
		if err == nil {
			s.lock = lock
			return s, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
		opts.Logger.Warn("managed clickhouse did not start, retrying with new ports", "attempt", attempt+1, "err", err)
	}
	cleanupLock()
	return nil, lastErr
}

func start(ctx context.Context, bin, dir string, opts Options) (*Server, error) {
	tcpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	httpPort, err := freePort()
	if err != nil {
		return nil, err
	}
	cfg, err := WriteConfig(dir, tcpPort, httpPort)
	if err != nil {
		return nil, err
	}
	stderr := &tailBuffer{max: 8 << 10}
	cmd := exec.Command(bin, "--config-file="+cfg)
	cmd.Dir = dir
	cmd.Stdout = io.Discard
	cmd.Stderr = stderr
	// The server dies with us, even if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("chserver: start %s: %w", bin, err)
	}
	_ = os.WriteFile(filepath.Join(dir, "server.pid"), []byte(strconv.Itoa(cmd.Process.Pid)), 0o644)
	s := &Server{cmd: cmd, dir: dir, addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(tcpPort)), logger: opts.Logger, done: make(chan struct{})}
	go func() { s.waitErr = cmd.Wait(); close(s.done) }()

	deadline := time.Now().Add(opts.StartTimeout)
	for {
		select {
		case <-s.done:
			return nil, fmt.Errorf("chserver: clickhouse-server exited during start (%v): %s", s.waitErr, s.lastWords(stderr))
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		default:
		}
		if err := ping(ctx, s.addr); err == nil {
			opts.Logger.Info("managed clickhouse started", "addr", s.addr, "state_dir", dir, "pid", cmd.Process.Pid)
			return s, nil
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("chserver: clickhouse-server did not answer on %s within %s: %s", s.addr, opts.StartTimeout, s.lastWords(stderr))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Addr is the host:port of the native protocol.
func (s *Server) Addr() string { return s.addr }

// Dir is the state folder.
func (s *Server) Dir() string { return s.dir }

// Done is closed when the server process exits.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err says why the server exited; nil while it runs or after a clean Stop.
func (s *Server) Err() error {
	select {
	case <-s.done:
		return fmt.Errorf("managed clickhouse-server (state %s) exited: %v; see %s", s.dir, s.waitErr, filepath.Join(s.dir, "log", "clickhouse-server.err.log"))
	default:
		return nil
	}
}

// Stop stops the server gracefully (SIGTERM, then SIGKILL after 30 s) and
// releases the state folder.
func (s *Server) Stop() {
	s.stopped.Do(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(30 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
		_ = os.Remove(filepath.Join(s.dir, "server.pid"))
		if s.lock != nil {
			_ = syscall.Flock(int(s.lock.Fd()), syscall.LOCK_UN)
			s.lock.Close()
		}
	})
}

func (s *Server) lastWords(stderr *tailBuffer) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "log", "clickhouse-server.err.log"))
	out := strings.TrimSpace(stderr.String() + "\n" + tail(string(b), 1500))
	if out == "" {
		return "no output"
	}
	return out
}

func ping(ctx context.Context, addr string) error {
	conn, err := clickhouse.Open(&clickhouse.Options{Addr: []string{addr}, DialTimeout: time.Second})
	if err != nil {
		return err
	}
	defer conn.Close()
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	return conn.Ping(pctx)
}

func killOrphan(pidFile string, logger *slog.Logger) {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		_ = os.Remove(pidFile)
		return
	}
	exe, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if !strings.Contains(exe, "clickhouse") {
		_ = os.Remove(pidFile)
		return
	}
	logger.Warn("stopping a clickhouse-server left by an earlier run", "pid", pid)
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for i := 0; i < 150; i++ {
		if syscall.Kill(pid, 0) != nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	_ = os.Remove(pidFile)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("chserver: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf.Write(p)
	if t.buf.Len() > t.max {
		b := t.buf.Bytes()[t.buf.Len()-t.max:]
		nb := append([]byte(nil), b...)
		t.buf.Reset()
		t.buf.Write(nb)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.buf.String()
}

// WriteConfig writes the managed server's config.xml and users.xml into dir
// (data, logs and temporary files under dir too) and returns the path of
// config.xml. The root element is <clickhouse>, which modern releases expect
// (<yandex> is its deprecated old name) and 18.16 also reads, as it reads the
// root of any name; the settings are ones both 18.16 and 26.x know.
// store/chdbtest loads this config into ClickHouse 26.7 (libchdb) and checks
// that its settings and the users profile take effect.
func WriteConfig(dir string, tcpPort, httpPort int) (string, error) {
	cfg := filepath.Join(dir, "config.xml")
	if err := os.WriteFile(cfg, []byte(configXML(dir, tcpPort, httpPort)), 0o644); err != nil {
		return "", fmt.Errorf("chserver: write config: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), []byte(usersXML), 0o644); err != nil {
		return "", fmt.Errorf("chserver: write users: %w", err)
	}
	return cfg, nil
}

// configXML is a minimal server config that both ClickHouse 18.16 and modern
// releases accept (see WriteConfig).
func configXML(dir string, tcpPort, httpPort int) string {
	return fmt.Sprintf(`<?xml version="1.0"?>
<clickhouse>
    <logger>
        <level>warning</level>
        <log>%[1]s/log/clickhouse-server.log</log>
        <errorlog>%[1]s/log/clickhouse-server.err.log</errorlog>
        <size>10M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <tcp_port>%[2]d</tcp_port>
    <http_port>%[3]d</http_port>
    <path>%[1]s/data/</path>
    <tmp_path>%[1]s/tmp/</tmp_path>
    <user_files_path>%[1]s/user_files/</user_files_path>
    <format_schema_path>%[1]s/format_schemas/</format_schema_path>
    <users_config>%[1]s/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <max_connections>256</max_connections>
    <max_concurrent_queries>64</max_concurrent_queries>
    <mark_cache_size>268435456</mark_cache_size>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mlock_executable>false</mlock_executable>
</clickhouse>
`, dir, tcpPort, httpPort)
}

const usersXML = `<?xml version="1.0"?>
<clickhouse>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <max_threads>2</max_threads>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval>
        </default>
    </quotas>
</clickhouse>
`
