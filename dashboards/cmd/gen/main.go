// Command gen writes Aftermath's Grafana dashboards as JSON files:
//
//	go run ./dashboards/cmd/gen -out dashboards/json
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/aftermath-sre/aftermath/dashboards"
)

func main() {
	out := flag.String("out", "json", "folder to write the dashboards to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	files, err := dashboards.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
