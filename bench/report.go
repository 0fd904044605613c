package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Result is one reported figure, in the shape bench/results.json promises.
type Result struct {
	Name          string  `json:"name"`
	Value         float64 `json:"value"`
	Unit          string  `json:"unit"`
	Baseline      string  `json:"baseline"`
	BaselineValue float64 `json:"baseline_value"`
	Ratio         float64 `json:"ratio"`
	Target        string  `json:"target"`
	Met           bool    `json:"met"`
}

// writeReports writes bench/results.json and docs/benchmarks.md. With merge, results of suites that were
// not run this time are kept from the previous results.json.
func writeReports(root, command string, started time.Time, results []Result, merge bool) error {
	jsonPath := filepath.Join(root, "bench", "results.json")
	if merge {
		var old []Result
		if b, err := os.ReadFile(jsonPath); err == nil && json.Unmarshal(b, &old) == nil {
			for _, o := range old {
				if !slices.ContainsFunc(results, func(r Result) bool { return r.Name == o.Name }) {
					results = append(results, o)
				}
			}
		}
	}
	b, err := json.MarshalIndent(results, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(jsonPath, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", jsonPath, err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "# Benchmarks\n\nWritten by `%s` on %s (took %s).\n\n", command, started.UTC().Format("2006-01-02 15:04 MST"), time.Since(started).Round(time.Second))
	fmt.Fprintf(&sb, "Machine: %s, %d cores, %s, %s %s/%s.\n\n", cpuModel(), runtime.NumCPU(), memTotal(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	sb.WriteString("Every figure has a baseline measured in the same run; `ratio` is value / baseline.\n\n")
	sb.WriteString("| benchmark | value | unit | baseline | baseline value | ratio | target | met |\n|---|---:|---|---|---:|---:|---|---|\n")
	for _, r := range results {
		met := "no"
		if r.Met {
			met = "yes"
		}
		fmt.Fprintf(&sb, "| %s | %.2f | %s | %s | %.2f | %s | %s | %s |\n", r.Name, r.Value, r.Unit, r.Baseline, r.BaselineValue, ratioText(r.Ratio), r.Target, met)
	}
	mdPath := filepath.Join(root, "docs", "benchmarks.md")
	if err := os.MkdirAll(filepath.Dir(mdPath), 0o755); err != nil {
		return err
	}
	return os.WriteFile(mdPath, []byte(sb.String()), 0o644)
}

func cpuModel() string {
	return procField("/proc/cpuinfo", "model name")
}

func memTotal() string {
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		return v + " memory"
	}
	return "unknown memory"
}

func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, ok := strings.Cut(s.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// ratioText prints a ratio with two decimals, or with two significant digits when it is below
// 0.01 (a change of several orders of magnitude would otherwise print as 0.00).
func ratioText(r float64) string {
	if r != 0 && r < 0.01 {
		return strconv.FormatFloat(r, 'g', 2, 64)
	}
	return strconv.FormatFloat(r, 'f', 2, 64)
}
