package isolated

import "syscall"

// childAttr makes the kernel kill a plugin process whose host died
// without stopping it (SIGKILL, a crash): no orphans, even then.
// Pdeathsig fires when the thread that started the child exits, and Go
// only ends threads locked by a goroutine that exits; such a plugin is
// restarted by its next call.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// dup2 is dup2(2); Linux on arm64 and riscv64 has dup3 only.
func dup2(from, to int) error { return syscall.Dup3(from, to, 0) }
