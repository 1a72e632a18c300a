package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/aftermath-sre/aftermath/config"
	"github.com/aftermath-sre/aftermath/store/chserver"
)

// Exit codes. The contract: 0 success; 1 a runtime failure (ClickHouse or a
// source unreachable, an analysis that failed, a panic caught); 2 bad usage or
// bad config, reported before any work starts. A Go runtime crash also exits
// 2, which is why nothing may panic: run turns a panic in a command into 1.
const (
	exitOK      = 0
	exitFailure = 1 // runtime failure
	exitUsage   = 2 // bad usage or bad config
)

// usageError is bad usage or bad config: exit code 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// command is one subcommand: its name and help, its flags and what it runs.
type command struct {
	name    string
	summary string
	// args describes the positional arguments for the help text. A command
	// without it takes none: runCommands refuses any as bad usage.
	args string
	// flags adds the command's own flags (nil: none); the common ones
	// (--config, --log.level, --log.format) are added for it. Flags may come
	// before, between and after the positional arguments (see parseArgs).
	flags func(fs *flag.FlagSet)
	// secrets says which of the config's secrets the command uses, given
	// its parsed flags; loadConfig resolves only those, so that a token of
	// a source the command never calls is not required to run it. nil means
	// all of them.
	secrets func(fs *flag.FlagSet) config.Secrets
	// run does the command's work once the flags are parsed and the logger
	// made; args are the positional arguments. An error wrapping usageError
	// exits 2, any other error (or a panic) 1.
	run func(ctx context.Context, a *app, args []string) error
}

// app is what every command gets: the streams, the logger and the config.
type app struct {
	stdout, stderr io.Writer
	logger         *slog.Logger
	configPath     string
	// secrets are the secrets loadConfig resolves (command.secrets).
	secrets config.Secrets
	cfg     *config.Config
	// managed is the local ClickHouse openStore started, if any.
	managed *chserver.Server
	// migrationPending, when set, reports whether serve's migration still
	// waits for a cluster node (its jobs are held meanwhile).
	migrationPending func() bool
}

func commands() []command {
	cs := []command{
		migrateCommand(),
		configCommand(),
		simulateCommand(),
		ingestCommand(),
		analyzeCommand(),
		digestCommand(),
		serveCommand(),
		demoCommand(),
		evaluateCommand(),
		similarCommand(),
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	return cs
}

// clickHouseSecrets is command.secrets of the commands that only read and
// write the store.
func clickHouseSecrets(*flag.FlagSet) config.Secrets { return config.ClickHouseSecrets }

// digestSecrets: the digest reads the store, and needs the delivery
// channels' secrets only when it delivers (not with --deliver=false).
func digestSecrets(fs *flag.FlagSet) config.Secrets {
	if f := fs.Lookup("deliver"); f != nil && f.Value.String() == "false" {
		return config.ClickHouseSecrets
	}
	return config.ClickHouseSecrets | config.DeliverySecrets
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runCommands(ctx, commands(), args, stdout, stderr)
}

// runCommands runs the command args names among cmds and returns the exit
// code.
func runCommands(ctx context.Context, cmds []command, args []string, stdout, stderr io.Writer) int {
	// "help <command>" is "<command> -h", its usage on stdout.
	if len(args) == 2 && args[0] == "help" {
		for _, c := range cmds {
			if c.name == args[1] {
				return runCommands(ctx, cmds, []string{c.name, "-h"}, stdout, stdout)
			}
		}
		fmt.Fprintf(stderr, "aftermath help: unknown command %q\n\n", args[1])
		printUsage(stderr)
		return exitUsage
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		w := stdout
		code := exitOK
		if len(args) == 0 {
			w, code = stderr, exitUsage
		}
		printUsage(w)
		return code
	}
	var cmd *command
	for _, c := range cmds {
		if c.name == args[0] {
			c := c
			cmd = &c
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "aftermath: unknown command %q\n\n", args[0])
		printUsage(stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("aftermath "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	a := &app{stdout: stdout, stderr: stderr}
	defaultConfig := os.Getenv(config.EnvConfigPath)
	fs.StringVar(&a.configPath, "config", defaultConfig, "path of aftermath.yml (env "+config.EnvConfigPath+"); without one, all defaults")
	level := fs.String("log.level", "info", "log level: debug, info, warn, error")
	format := fs.String("log.format", "logfmt", "log format: logfmt or json")
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: aftermath %s [flags] %s\n\n%s\n\nFlags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
	}
	positional, err := parseArgs(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	a.secrets = config.AllSecrets
	if cmd.secrets != nil {
		a.secrets = cmd.secrets(fs)
	}
	logger, err := newLogger(stderr, *level, *format)
	if err != nil {
		fmt.Fprintf(stderr, "aftermath %s: %v\n", cmd.name, err)
		return exitUsage
	}
	a.logger = logger
	if err := protect(func() error {
		if cmd.args == "" && len(positional) > 0 {
			return usagef("unexpected arguments: %s", strings.Join(positional, " "))
		}
		return cmd.run(ctx, a, positional)
	}); err != nil {
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "aftermath %s: %v\n", cmd.name, err)
			return exitUsage
		}
		var pe *panicError
		if errors.As(err, &pe) {
			logger.Error("command failed", "command", cmd.name, "err", err, "stack", string(pe.stack))
			return exitFailure
		}
		logger.Error("command failed", "command", cmd.name, "err", err)
		return exitFailure
	}
	return exitOK
}

// parseArgs parses the flags in args wherever they are, before, between or
// after the positional arguments, which it returns in order: `similar PM-1
// --json` is `similar --json PM-1`. "--" ends the flags; everything after it
// is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		// Parse stopped at a positional argument, or just after "--".
		if parsed := len(args) - len(rest); parsed > 0 && args[parsed-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// panicError is a panic caught in a command: a runtime failure (exit 1).
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// protect runs f and turns a panic in it (not in goroutines it starts, which
// must recover themselves) into an error.
func protect(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &panicError{value: v, stack: debug.Stack()}
		}
	}()
	return f()
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: aftermath <command> [flags]")
	fmt.Fprintln(w, "\nAftermath turns incidents (PagerDuty) and postmortems (Jira) into measured learning.")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, wrap(firstSentence(c.summary), usageWidth-13, strings.Repeat(" ", 13)))
	}
	fmt.Fprintln(w, "\nRun `aftermath <command> --help` for a command's flags.")
}

// usageWidth is the width the command list is wrapped to.
const usageWidth = 100

// firstSentence returns s up to the end of its first sentence (a "." before
// white space or the end), line breaks made spaces.
func firstSentence(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if i := strings.Index(s, ". "); i >= 0 {
		return s[:i+1]
	}
	return s
}

// wrap breaks s at spaces into lines of at most width characters (a longer
// word gets a line of its own), starting every line after the first with
// indent.
func wrap(s string, width int, indent string) string {
	var b strings.Builder
	n := 0
	for _, word := range strings.Fields(s) {
		switch {
		case n == 0:
		case n+1+utf8.RuneCountInString(word) > width:
			b.WriteString("\n" + indent)
			n = 0
		default:
			b.WriteByte(' ')
			n++
		}
		b.WriteString(word)
		n += utf8.RuneCountInString(word)
	}
	return b.String()
}

func newLogger(w io.Writer, level, format string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, usagef("--log.level: must be debug, info, warn or error, got %q", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	switch format {
	case "logfmt", "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, usagef("--log.format: must be logfmt or json, got %q", format)
}

// loadConfig loads the config named by --config (all defaults without one),
// resolving the secrets the command uses. A bad config is a usage error.
func (a *app) loadConfig() (*config.Config, error) {
	if a.cfg != nil {
		return a.cfg, nil
	}
	cfg, err := config.LoadFor(a.configPath, a.secrets)
	if err != nil {
		return nil, usageError{err}
	}
	a.cfg = cfg
	return cfg, nil
}
