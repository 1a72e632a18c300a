// Package config loads aftermath.yml: YAML decoded strictly (an unknown key
// is an error) on top of defaults, one Validate per section, then the secrets
// the caller uses (see Secrets) resolved from the environment or from files.
// Every error names the file, the line where possible and the dotted key
// path:
//
//	aftermath.yml:12: jira.fields.due_date: must be a field id like customfield_10015 or "duedate"
//
// Secrets are never inline in the YAML: each comes from NAME_env (an
// environment variable) or NAME_file (a file, relative to the config file's
// folder, trailing newlines trimmed), and is a Secret that prints as
// "<redacted>". Relative paths (in the file or defaults) are relative to the
// file's folder; Parse joins them with it. example.yml documents every key.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
	"gopkg.in/yaml.v3"

	"github.com/aftermath-sre/aftermath/domain"
)

// EnvConfigPath is the environment variable the CLI reads the config file
// path from when --config is not given. Without either the CLI reads no file
// (not even ./aftermath.yml): every key has its default.
const EnvConfigPath = "AFTERMATH_CONFIG"

// Config is the whole of aftermath.yml.
type Config struct {
	ClickHouse ClickHouse `yaml:"clickhouse"`
	PagerDuty  PagerDuty  `yaml:"pagerduty"`
	Jira       Jira       `yaml:"jira"`
	SLOs       []SLO      `yaml:"slos"`
	Analysis   Analysis   `yaml:"analysis"`
	Schedule   Schedule   `yaml:"schedule"`
	Exporter   Exporter   `yaml:"exporter"`
	Digest     Digest     `yaml:"digest"`
}

// DefaultMaxResponseBytes is the default max_response_bytes of both sources
// (httpx.DefaultMaxBodyBytes; config does not import ingest).
const DefaultMaxResponseBytes ByteSize = 64 << 20

// Default returns a new Config holding every default. It is valid, and it is
// what an empty file gives.
func Default() *Config {
	return &Config{
		ClickHouse: ClickHouse{
			Database:    "aftermath",
			Username:    "default",
			PasswordEnv: "AFTERMATH_CLICKHOUSE_PASSWORD",
			DialTimeout: Duration(10 * time.Second),
			Managed: Managed{
				Binary:       "clickhouse-server",
				StateDir:     ".aftermath/clickhouse",
				StartTimeout: Duration(60 * time.Second),
			},
		},
		PagerDuty: PagerDuty{
			APIURL:            "https://api.pagerduty.com",
			TokenEnv:          "AFTERMATH_PAGERDUTY_TOKEN",
			RequestsPerMinute: 900,
			PageSize:          100,
			RequestTimeout:    Duration(30 * time.Second),
			MaxResponseBytes:  DefaultMaxResponseBytes,
			BackfillStart:     StartTime{Ago: Duration(90 * day)},
			Severity: SeverityMapping{
				Priorities: map[string]string{"P1": "SEV1", "P2": "SEV2", "P3": "SEV3", "P4": "SEV4", "P5": "SEV5"},
				Urgency:    UrgencySeverity{High: "SEV3", Low: "SEV4"},
			},
		},
		Jira: Jira{
			APIVersion: 3,
			Auth: JiraAuth{
				Type:     AuthBasic,
				EmailEnv: "AFTERMATH_JIRA_EMAIL",
				TokenEnv: "AFTERMATH_JIRA_TOKEN",
			},
			PostmortemJQL:     domain.DefaultPostmortemJQL,
			ActionItemJQL:     domain.DefaultActionItemJQL,
			PublishedStatuses: []string{"Published"},
			Priorities:        map[string]string{"Highest": "P1", "High": "P2", "Medium": "P3", "Low": "P4", "Lowest": "P5"},
			RequestsPerMinute: 300,
			PageSize:          100,
			RequestTimeout:    Duration(30 * time.Second),
			MaxResponseBytes:  DefaultMaxResponseBytes,
			SyncOverlap:       Duration(10 * time.Minute),
			ReconcileInterval: Duration(24 * time.Hour),
			ReconcileMaxShare: 0.10,
			MetadataRefresh:   Duration(time.Hour),
			Fields: JiraFields{
				DueDate:      "duedate",
				Team:         TeamField{From: TeamFromComponent, LabelPrefix: "team-"},
				IncidentLink: IncidentLinkField{Mode: LinkByLabel, LabelPrefix: domain.DefaultIncidentLabelPrefix},
			},
		},
		Analysis: Analysis{
			StaleAfter: PriorityDurations{P1: Duration(7 * day), P2: Duration(14 * day), P3: Duration(30 * day), P4: Duration(60 * day), P5: Duration(90 * day)},
			ClosureSLO: PriorityDurations{P1: Duration(14 * day), P2: Duration(30 * day), P3: Duration(60 * day), P4: Duration(90 * day), P5: Duration(180 * day)},
			Postmortem: PostmortemTargets{
				RequiredSeverities: []string{"SEV1", "SEV2"},
				DraftWithin:        Duration(2 * day),
				PublishWithin:      Duration(7 * day),
			},
			RecurrenceWindow: Duration(30 * day),
			TeamAliases:      map[string]string{},
			MemoryLimitMiB:   400,
			DismissLabel:     "aftermath-dismissed",
		},
		Schedule: Schedule{
			PagerDuty: Duration(5 * time.Minute),
			Jira:      Duration(15 * time.Minute),
			Analysis:  Duration(15 * time.Minute),
		},
		Exporter: Exporter{ListenAddress: ":9847", MaxItemSeries: 200},
		Digest: Digest{
			OutputDir: "digests",
			TimeZone:  "UTC",
			Webhook:   Webhook{URLEnv: "AFTERMATH_DIGEST_WEBHOOK_URL", Timeout: Duration(10 * time.Second)},
			SMTP: SMTP{
				Port:        587,
				TLS:         TLSStartTLS,
				PasswordEnv: "AFTERMATH_SMTP_PASSWORD",
				Timeout:     Duration(10 * time.Second),
			},
		},
	}
}

// Secrets selects which secrets ParseFor resolves. A command resolves only
// those it uses, so that a token of a source it never calls (or of a digest
// channel it does not deliver to) is not required to run it. Secrets left
// out stay empty; their *_env and *_file keys are still validated.
type Secrets uint8

const (
	// ClickHouseSecrets: clickhouse.password.
	ClickHouseSecrets Secrets = 1 << iota
	// PagerDutySecrets: pagerduty.token, when PagerDuty is enabled.
	PagerDutySecrets
	// JiraSecrets: jira.auth.token and (basic auth) jira.auth.email from
	// email_env, when Jira is enabled.
	JiraSecrets
	// DeliverySecrets: the enabled digest channels' digest.webhook.url and
	// digest.smtp.password.
	DeliverySecrets
	// SourceSecrets are the enabled sources' credentials.
	SourceSecrets = PagerDutySecrets | JiraSecrets
	// AllSecrets is every secret: what Load and Parse resolve.
	AllSecrets = ClickHouseSecrets | SourceSecrets | DeliverySecrets
)

// Load reads and parses the config file at path, with every secret from the
// process environment and the file system. An empty path means no file:
// all defaults.
func Load(path string) (*Config, error) { return LoadFor(path, AllSecrets) }

// LoadFor is Load resolving only the secrets in need.
func LoadFor(path string, need Secrets) (*Config, error) {
	var data []byte
	if path != "" {
		var err error
		if data, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("config: %w", err)
		}
	}
	return ParseFor(data, path, need, os.Getenv, os.ReadFile)
}

// Parse decodes data (the contents of filename) on top of Default, validates
// it and resolves every secret with env and readFile (nil means os.Getenv and
// os.ReadFile). The error joins every *Error found, sorted by line.
func Parse(data []byte, filename string, env func(string) string, readFile func(string) ([]byte, error)) (*Config, error) {
	return ParseFor(data, filename, AllSecrets, env, readFile)
}

// ParseFor is Parse resolving only the secrets in need.
func ParseFor(data []byte, filename string, need Secrets, env func(string) string, readFile func(string) ([]byte, error)) (*Config, error) {
	if env == nil {
		env = os.Getenv
	}
	if readFile == nil {
		readFile = os.ReadFile
	}
	cfg := Default()
	d := decoder{lines: map[string]int{}}
	if err := decodeFile(&d, data, cfg); err != nil {
		err.File = filename
		return nil, err
	}
	errs := d.errs
	broken := map[string]bool{} // paths that failed to decode: skip follow-on errors
	for _, e := range errs {
		broken[e.Path] = true
	}
	more := cfg.validate()
	cfg.resolvePaths(filepath.Dir(filename))
	more = append(more, cfg.resolveSecrets(need, env, readFile)...)
	more = append(more, cfg.checkFiles()...)
	for _, e := range more {
		if !under(e.Path, broken) {
			e.Line = d.line(e.Path)
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		errs.sortByLine()
		for _, e := range errs {
			e.File = filename
		}
		return nil, errs.err()
	}
	return cfg, nil
}

// decodeFile decodes the single YAML document in data into cfg. It returns
// a syntax error; decoding problems are collected in d.
func decodeFile(d *decoder, data []byte, cfg *Config) *Error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil // empty file
	} else if err != nil {
		return syntaxError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return &Error{Line: extra.Line, Msg: "only one YAML document is allowed"}
	} else if !errors.Is(err, io.EOF) {
		return syntaxError(err)
	}
	if len(doc.Content) > 0 {
		d.decode(doc.Content[0], reflect.ValueOf(cfg).Elem(), "")
	}
	return nil
}

// Validate checks every section. It does not resolve secrets; Parse does.
func (c *Config) Validate() error { return c.validate().err() }

func (c *Config) validate() problems {
	var p problems
	p.nest("clickhouse", c.ClickHouse.Validate())
	p.nest("pagerduty", c.PagerDuty.Validate())
	p.nest("jira", c.Jira.Validate())
	for i, s := range c.SLOs {
		path := fmt.Sprintf("slos[%d]", i)
		p.nest(path, s.Validate())
		if j := slices.IndexFunc(c.SLOs[:i], func(o SLO) bool { return o.Service == s.Service }); j >= 0 && s.Service != "" {
			p.add(path+".service", "duplicate of slos[%d]", j)
		}
	}
	p.nest("analysis", c.Analysis.Validate())
	p.nest("schedule", c.Schedule.Validate())
	p.nest("exporter", c.Exporter.Validate())
	p.nest("digest", c.Digest.Validate())
	return p
}

// resolvePaths joins relative paths with the config file's folder.
func (c *Config) resolvePaths(dir string) {
	for _, p := range []*string{
		&c.ClickHouse.PasswordFile, &c.ClickHouse.Managed.StateDir,
		&c.PagerDuty.TokenFile, &c.Jira.Auth.TokenFile,
		&c.Exporter.WebConfigFile, &c.Digest.OutputDir,
		&c.Digest.Webhook.URLFile, &c.Digest.SMTP.PasswordFile,
	} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// resolveSecrets reads the secrets in need that an enabled feature uses.
// Secrets of a disabled source or channel are not read at all.
func (c *Config) resolveSecrets(need Secrets, env func(string) string, readFile func(string) ([]byte, error)) problems {
	r := resolver{env: env, readFile: readFile}
	if ch := &c.ClickHouse; need&ClickHouseSecrets != 0 {
		ch.Password, _ = r.secret("clickhouse.password", ch.PasswordEnv, ch.PasswordFile, "")
	}
	if need&SourceSecrets != 0 {
		c.resolveSourceSecrets(&r, need)
	}
	if need&DeliverySecrets != 0 {
		c.resolveDeliverySecrets(&r)
	}
	return r.p
}

func (c *Config) resolveSourceSecrets(r *resolver, need Secrets) {
	if pd := &c.PagerDuty; pd.Enabled && need&PagerDutySecrets != 0 {
		pd.Token, _ = r.secret("pagerduty.token", pd.TokenEnv, pd.TokenFile, "pagerduty is enabled")
	}
	if a := &c.Jira.Auth; c.Jira.Enabled && need&JiraSecrets != 0 {
		a.Token, _ = r.secret("jira.auth.token", a.TokenEnv, a.TokenFile, "jira is enabled")
		if a.Type == AuthBasic && a.Email == "" {
			if a.EmailEnv == "" {
				r.p.add("jira.auth.email", "required when jira.auth.type is basic; set email or email_env")
			} else {
				email, _ := r.secret("jira.auth.email", a.EmailEnv, "", "jira.auth.type is basic")
				a.Email = email.Reveal()
				if _, err := mail.ParseAddress(a.Email); a.Email != "" && err != nil {
					r.p.add("jira.auth.email_env", "environment variable %s must hold an email address, got %q", a.EmailEnv, a.Email)
				}
			}
		}
	}
}

func (c *Config) resolveDeliverySecrets(r *resolver) {
	if w := &c.Digest.Webhook; w.Enabled {
		var src string
		w.URL, src = r.secret("digest.webhook.url", w.URLEnv, w.URLFile, "digest.webhook is enabled")
		if u, err := url.Parse(w.URL.Reveal()); w.URL.IsSet() && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			r.p.add(src, "does not hold an http or https URL") // never echo the value
		}
	}
	if s := &c.Digest.SMTP; s.Enabled {
		why := ""
		if s.Username != "" {
			why = "digest.smtp.username is set"
		}
		s.Password, _ = r.secret("digest.smtp.password", s.PasswordEnv, s.PasswordFile, why)
	}
}

// checkFiles checks the files the config names that are not secrets:
// exporter.web_config_file must be a valid exporter-toolkit web config (it
// parses strictly, its basic-auth passwords are bcrypt hashes, its TLS
// certificate and key load), so that a bad one stops `config check` and every
// command before any job starts.
func (c *Config) checkFiles() problems {
	var p problems
	if f := c.Exporter.WebConfigFile; f != "" {
		if err := CheckWebConfig(f); err != nil {
			p.add("exporter.web_config_file", "%v", err)
		}
	}
	return p
}

// CheckWebConfig checks an exporter-toolkit web config file (TLS and basic
// auth of /metrics); `serve --web.config.file` uses it too.
func CheckWebConfig(path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("cannot read web config: %w", err)
	}
	if err := web.Validate(path); err != nil {
		// YAML errors span lines; a config error is one line.
		msg := strings.NewReplacer(":\n", ": ", "\n", "; ").Replace(err.Error())
		msg = strings.Join(strings.Fields(msg), " ")
		return fmt.Errorf("invalid web config %s: %s", path, msg)
	}
	return nil
}

type resolver struct {
	env      func(string) string
	readFile func(string) ([]byte, error)
	p        problems
}

// secret reads the secret at path (e.g. "pagerduty.token") from file, else
// from the environment variable envName. A non-empty why makes it required.
// It also returns the key path of the source used, for later errors.
func (r *resolver) secret(path, envName, file, why string) (Secret, string) {
	key := path[strings.LastIndex(path, ".")+1:]
	switch {
	case file != "":
		b, err := r.readFile(file)
		if err != nil {
			if pathLooksLikeSecret(file) {
				// The secret itself was put where its file's path belongs:
				// the error must not repeat it.
				r.p.add(path+"_file", "cannot read secret: the path is not shown because it looks like a secret itself; %s_file takes the path of a file that holds the secret", key)
			} else {
				r.p.add(path+"_file", "cannot read secret: %v", err)
			}
			return Secret{}, path + "_file"
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" && why != "" {
			r.p.add(path+"_file", "file %s is empty; the secret is required when %s", shownPath(file), why)
		}
		return Secret{value: v}, path + "_file"
	case envName != "":
		if looksLikeSecret(envName) || !identRe.MatchString(envName) {
			// Reported by Validate (a secret without its value); reading
			// an environment variable of that name would only repeat it.
			return Secret{}, path + "_env"
		}
		v := r.env(envName)
		if v == "" && why != "" {
			r.p.add(path+"_env", "environment variable %s is not set; it is required when %s", envName, why)
		}
		return Secret{value: v}, path + "_env"
	case why != "":
		r.p.add(path, "required when %s; set %[2]s_env or %[2]s_file", why, key)
	}
	return Secret{}, path
}

// Redacted returns the normalized config (defaults applied, relative paths
// joined) as YAML that is itself a valid config file: the secrets, which are
// never inline, are left out, and each one that is set is noted as a comment
// on the key it was read from:
//
//	token_env: AFTERMATH_PAGERDUTY_TOKEN # token: <redacted>
//
// This is what `aftermath config check` prints.
func (c *Config) Redacted() ([]byte, error) {
	var root yaml.Node
	if err := root.Encode(c); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	dropSecrets(&root, reflect.TypeFor[Config]())
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("config: encode: %w", err)
	}
	return buf.Bytes(), nil
}

// dropSecrets removes the Secret fields from n, the encoding of a value of
// type t, noting a set one ("<redacted>") on its NAME_file key when that is
// set, else on its NAME_env key.
func dropSecrets(n *yaml.Node, t reflect.Type) {
	switch {
	case n.Kind == yaml.DocumentNode:
		for _, c := range n.Content {
			dropSecrets(c, t)
		}
	case n.Kind == yaml.SequenceNode && t.Kind() == reflect.Slice:
		for _, c := range n.Content {
			dropSecrets(c, t.Elem())
		}
	case n.Kind == yaml.MappingNode && t.Kind() == reflect.Struct:
		fields, _ := structFields(t)
		var kept []*yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			f, ok := fields[k.Value]
			switch {
			case !ok:
				kept = append(kept, k, v)
			case t.Field(f.index).Type == secretType:
				if v.Value != "" {
					noteSecret(kept, k.Value, v.Value)
				}
			default:
				dropSecrets(v, t.Field(f.index).Type)
				kept = append(kept, k, v)
			}
		}
		n.Content = kept
	}
}

// noteSecret puts "name: shown" as a line comment on the value of name_file
// in pairs when it is set, else on that of name_env.
func noteSecret(pairs []*yaml.Node, name, shown string) {
	var env, file *yaml.Node
	for i := 0; i+1 < len(pairs); i += 2 {
		switch pairs[i].Value {
		case name + "_env":
			env = pairs[i+1]
		case name + "_file":
			file = pairs[i+1]
		}
	}
	at := env
	if file != nil && file.Value != "" {
		at = file
	}
	if at != nil {
		at.LineComment = "# " + name + ": " + shown
	}
}

// Keys lists every key path a config file may set, in file order, lists of
// sections written as "slos[].service". Map-valued keys are listed once.
func Keys() []string {
	var out []string
	listKeys(reflect.TypeFor[Config](), "", &out)
	return out
}

func listKeys(t reflect.Type, prefix string, out *[]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" || f.Type == secretType {
			continue
		}
		path := joinPath(prefix, name)
		switch ft := f.Type; {
		case reflect.PointerTo(ft).Implements(textUnmarshalerType):
			*out = append(*out, path)
		case ft.Kind() == reflect.Struct:
			listKeys(ft, path, out)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			listKeys(ft.Elem(), path+"[]", out)
		default:
			*out = append(*out, path)
		}
	}
}
