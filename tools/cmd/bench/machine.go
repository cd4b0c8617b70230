package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// machine is what the numbers were measured on.
type machine struct {
	cpu        string
	cpus       int
	goos       string
	goarch     string
	kernel     string
	goVersions []string // of the benchmark binaries
	commit     string   // "" when unknown
}

func readMachine(goVersions []string, raw []byte) machine {
	m := machine{
		cpu:        cpuModel(raw),
		cpus:       runtime.NumCPU(),
		goos:       runtime.GOOS,
		goarch:     runtime.GOARCH,
		kernel:     "unknown",
		goVersions: goVersions,
		commit:     gitCommit(os.Getenv("BUILD_WORKSPACE_DIRECTORY")),
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = runtime.GOOS + " " + strings.TrimSpace(string(b))
	}
	return m
}

// cpuModel prefers /proc/cpuinfo's model name, which is fuller than the
// "cpu:" line the testing package prints; that line is the fallback off
// Linux.
func cpuModel(raw []byte) string {
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				return strings.TrimSpace(v)
			}
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "cpu: "); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// gitCommit names the workspace's commit, marked when tracked files
// differ from it; "" without a workspace or git.
func gitCommit(ws string) string {
	if ws == "" {
		return ""
	}
	out, err := exec.Command("git", "-C", ws, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return ""
	}
	commit := strings.TrimSpace(string(out))
	status, err := exec.Command("git", "-C", ws, "status", "--porcelain", "--untracked-files=no").Output()
	if err == nil && len(bytes.TrimSpace(status)) > 0 {
		commit += " (with uncommitted changes)"
	}
	return commit
}
