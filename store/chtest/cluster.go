package chtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aftermath-sre/aftermath/store"
	"github.com/aftermath-sre/aftermath/store/chserver"
)

// ClusterName is the cluster (remote_servers entry) the test cluster defines.
const ClusterName = "aftermath_test"

// Cluster is a real ClickHouse cluster for tests: one ZooKeeper (Debian's
// zookeeper package) and 2 shards x 2 replicas of clickhouse-server, each on
// free loopback ports with a data folder of its own.
type Cluster struct {
	Nodes  []*Node // shard 1 replica 1, shard 1 replica 2, shard 2 replica 1, shard 2 replica 2
	ZKAddr string
	dir    string
	zk     *process
}

// Node is one clickhouse-server of the test cluster.
type Node struct {
	Name           string // "s1r1"
	Shard, Replica int
	Addr           string // host:port of the native protocol
	dir, cfg, bin  string
	mu             sync.Mutex
	proc           *process
}

type process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

func startProcess(dir string, name string, args ...string) (*process, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := os.Create(filepath.Join(dir, "process.out"))
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); out.Close(); close(p.done) }()
	return p, nil
}

func (p *process) stop(grace time.Duration) {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// zkJavaClasspath is where Debian's zookeeper package puts ZooKeeper.
const zkJavaClasspath = "/etc/zookeeper/conf:/usr/share/java/zookeeper.jar"

// StartCluster starts ZooKeeper and the four servers under dir and waits
// until every server answers.
func StartCluster(ctx context.Context, dir string) (*Cluster, error) {
	bin, err := exec.LookPath("clickhouse-server")
	if err != nil {
		return nil, chserver.ErrBinaryMissing
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, errors.New("chtest: java not found: install Debian's zookeeper package (apt-get install -y zookeeper)")
	}
	if _, err := os.Stat("/usr/share/java/zookeeper.jar"); err != nil {
		return nil, errors.New("chtest: /usr/share/java/zookeeper.jar not found: install Debian's zookeeper package (apt-get install -y zookeeper)")
	}
	ports, err := freePorts(1 + 4*3)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, ZKAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))}
	zkDir := filepath.Join(dir, "zookeeper")
	if err := os.MkdirAll(filepath.Join(zkDir, "data"), 0o755); err != nil {
		return nil, err
	}
	zooCfg := fmt.Sprintf("tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s/data\nclientPort=%d\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\nmaxSessionTimeout=20000\n4lw.commands.whitelist=srvr\n", zkDir, ports[0])
	if err := os.WriteFile(filepath.Join(zkDir, "zoo.cfg"), []byte(zooCfg), 0o644); err != nil {
		return nil, err
	}
	c.zk, err = startProcess(zkDir, java, "-Xmx192m", "-XX:+UseSerialGC", "-cp", zkJavaClasspath,
		"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(zkDir, "zoo.cfg"))
	if err != nil {
		return nil, err
	}
	var replicas [2][]string
	for i := 0; i < 4; i++ {
		n := &Node{Shard: i/2 + 1, Replica: i%2 + 1, bin: bin}
		n.Name = fmt.Sprintf("s%dr%d", n.Shard, n.Replica)
		n.dir = filepath.Join(dir, n.Name)
		tcp, http := ports[1+3*i], ports[2+3*i]
		n.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp))
		for _, sub := range []string{"data", "tmp", "user_files", "format_schemas", "log", "config.d"} {
			if err := os.MkdirAll(filepath.Join(n.dir, sub), 0o755); err != nil {
				c.Stop()
				return nil, err
			}
		}
		if n.cfg, err = chserver.WriteConfig(n.dir, tcp, http); err != nil {
			c.Stop()
			return nil, err
		}
		// Reads and writes go to the first replica of a shard that answers,
		// as README's cluster setup asks (see store.checkLoadBalancing).
		users := filepath.Join(n.dir, "users.xml")
		b, err := os.ReadFile(users)
		if err != nil {
			c.Stop()
			return nil, err
		}
		withLB := strings.Replace(string(b), "<max_threads>", "<load_balancing>in_order</load_balancing>\n            <max_threads>", 1)
		if withLB == string(b) {
			c.Stop()
			return nil, errors.New("chtest: users.xml has no default profile to set load_balancing in")
		}
		if err := os.WriteFile(users, []byte(withLB), 0o644); err != nil {
			c.Stop()
			return nil, err
		}
		replicas[n.Shard-1] = append(replicas[n.Shard-1], fmt.Sprintf("<replica><host>127.0.0.1</host><port>%d</port></replica>", tcp))
		c.Nodes = append(c.Nodes, n)
	}
	for i, n := range c.Nodes {
		xml := fmt.Sprintf(`<?xml version="1.0"?>
<clickhouse>
    <remote_servers>
        <%[1]s>
            <shard><internal_replication>true</internal_replication>%[2]s</shard>
            <shard><internal_replication>true</internal_replication>%[3]s</shard>
        </%[1]s>
    </remote_servers>
    <zookeeper>
        <node><host>127.0.0.1</host><port>%[4]d</port></node>
        <session_timeout_ms>6000</session_timeout_ms>
    </zookeeper>
    <macros><shard>0%[5]d</shard><replica>r%[6]d</replica></macros>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <interserver_http_port>%[7]d</interserver_http_port>
    <distributed_ddl><path>/clickhouse/task_queue/ddl</path></distributed_ddl>
</clickhouse>
`, ClusterName, strings.Join(replicas[0], ""), strings.Join(replicas[1], ""), ports[0], n.Shard, n.Replica, ports[3+3*i])
		if err := os.WriteFile(filepath.Join(n.dir, "config.d", "cluster.xml"), []byte(xml), 0o644); err != nil {
			c.Stop()
			return nil, err
		}
	}
	if err := waitZooKeeper(ctx, c.ZKAddr, 60*time.Second); err != nil {
		c.Stop()
		return nil, fmt.Errorf("chtest: zookeeper did not start: %w: %s", err, tailFile(filepath.Join(zkDir, "process.out")))
	}
	errs := make(chan error, len(c.Nodes))
	for _, n := range c.Nodes {
		go func(n *Node) { errs <- n.Start(ctx) }(n)
	}
	var first error
	for range c.Nodes {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if first != nil {
		c.Stop()
		return nil, first
	}
	return c, nil
}

// Start starts the node's server (again) and waits until it answers.
func (n *Node) Start(ctx context.Context) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil {
		select {
		case <-n.proc.done:
		default:
			return nil // running
		}
	}
	p, err := startProcess(n.dir, n.bin, "--config-file="+n.cfg)
	if err != nil {
		return err
	}
	n.proc = p
	deadline := time.Now().Add(2 * time.Minute)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("chtest: node %s exited during start (%v): %s", n.Name, p.err, tailFile(filepath.Join(n.dir, "log", "clickhouse-server.err.log")))
		case <-ctx.Done():
			p.stop(10 * time.Second)
			return ctx.Err()
		default:
		}
		if st, err := store.Open(ctx, store.Options{Addresses: []string{n.Addr}, DialTimeout: time.Second}); err == nil {
			st.Close()
			return nil
		}
		if time.Now().After(deadline) {
			p.stop(10 * time.Second)
			return fmt.Errorf("chtest: node %s did not answer on %s: %s", n.Name, n.Addr, tailFile(filepath.Join(n.dir, "log", "clickhouse-server.err.log")))
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// Stop stops the node's server gracefully (SIGTERM; SIGKILL after 30 s).
func (n *Node) Stop() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil {
		n.proc.stop(30 * time.Second)
	}
}

// Kill stops the node's server at once (SIGKILL), as a crash would.
func (n *Node) Kill() {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.proc != nil {
		select {
		case <-n.proc.done:
		default:
			_ = n.proc.cmd.Process.Kill()
			<-n.proc.done
		}
	}
}

// Addrs returns the native addresses of the nodes, in Nodes order.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.Addr)
	}
	return out
}

// Stop stops every server and ZooKeeper.
func (c *Cluster) Stop() {
	var wg sync.WaitGroup
	for _, n := range c.Nodes {
		wg.Add(1)
		go func(n *Node) { defer wg.Done(); n.Stop() }(n)
	}
	wg.Wait()
	if c.zk != nil {
		c.zk.stop(10 * time.Second)
	}
}

var (
	clusterOnce sync.Once
	cluster     *Cluster
	clusterDir  string
	clusterErr  error
)

// MainCluster runs the tests of a package that uses TestCluster and stops
// the cluster (and the single server of Addr, if started) afterwards.
func MainCluster(m interface{ Run() int }) int {
	code := m.Run()
	if cluster != nil {
		cluster.Stop()
	}
	if clusterDir != "" {
		_ = os.RemoveAll(clusterDir)
	}
	if server != nil {
		server.Stop()
	}
	if dir != "" {
		_ = os.RemoveAll(dir)
	}
	return code
}

// TestCluster returns the test binary's cluster, starting it on first use.
// Like Addr, it skips the test when ClickHouse or ZooKeeper is missing,
// unless AFTERMATH_REQUIRE_CLICKHOUSE=1. Tests that stop nodes must start
// them again before they end.
func TestCluster(t testing.TB) *Cluster {
	t.Helper()
	clusterOnce.Do(func() {
		clusterDir, clusterErr = os.MkdirTemp("", "aftermath-cluster-")
		if clusterErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cluster, clusterErr = StartCluster(ctx, clusterDir)
	})
	if clusterErr != nil {
		if os.Getenv("AFTERMATH_REQUIRE_CLICKHOUSE") == "1" {
			t.Fatalf("a ClickHouse cluster is required (AFTERMATH_REQUIRE_CLICKHOUSE=1) but it could not start: %v", clusterErr)
		}
		t.Skipf("no ClickHouse cluster for this test: %v", clusterErr)
	}
	return cluster
}

// ClusterDatabase returns a fresh database name for t on the cluster; the
// database is dropped on every node when the test ends.
func ClusterDatabase(t testing.TB, c *Cluster) string {
	t.Helper()
	name := fmt.Sprintf("c%d_%d_%s", os.Getpid(), counter.Add(1), sanitize(t.Name()))
	if len(name) > 50 {
		name = name[:50]
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := store.Open(ctx, store.Options{Addresses: c.Addrs(), Database: name, Cluster: ClusterName, DialTimeout: 2 * time.Second})
		if err != nil {
			return
		}
		defer st.Close()
		_ = st.Conn().Exec(ctx, "DROP DATABASE IF EXISTS "+name+" ON CLUSTER "+ClusterName)
	})
	return name
}

func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var out []int
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("chtest: find a free port: %w", err)
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

// waitZooKeeper waits until ZooKeeper serves requests, not only until its
// port is open: it accepts connections before it serves, and closes them at
// the handshake meanwhile. A ClickHouse 18.16 node that meets that at start
// leaves its distributed DDL worker without a session, and the first DDL
// ON CLUSTER then never completes on it (seen as a lost connection after a
// minute on the loaded 2-core machine). "srvr" answers with the server's
// version only once it serves.
func waitZooKeeper(ctx context.Context, addr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last string
	for {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.SetDeadline(time.Now().Add(2 * time.Second))
			_, _ = c.Write([]byte("srvr"))
			b, _ := io.ReadAll(c)
			c.Close()
			if strings.Contains(string(b), "Zookeeper version") {
				return nil
			}
			last = strings.TrimSpace(string(b))
		} else {
			last = err.Error()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not serving after %s: %s", timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func tailFile(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return "(no " + path + ")"
	}
	defer f.Close()
	b, _ := io.ReadAll(f)
	if len(b) > 1500 {
		b = b[len(b)-1500:]
	}
	return strings.TrimSpace(string(b))
}
