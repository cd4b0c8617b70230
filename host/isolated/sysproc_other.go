//go:build unix && !linux

package isolated

import "syscall"

// childAttr: only Linux has a parent-death signal; elsewhere StopAll is
// what stops plugin processes.
func childAttr() *syscall.SysProcAttr { return nil }

func dup2(from, to int) error { return syscall.Dup2(from, to) }
