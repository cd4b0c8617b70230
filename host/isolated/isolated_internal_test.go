package isolated

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"example.com/plugkit/pluginapi"
)

func TestProtocolVersionIsAPIMajor(t *testing.T) {
	assert.Equal(t, uint(1), protocolVersion("1.0.0"))
	assert.Equal(t, uint(2), protocolVersion("v2.3.4"))
	assert.Panics(t, func() { protocolVersion("0.9.0") }, "go-plugin reads 0 as unset")
	assert.Panics(t, func() { protocolVersion("next") })
	assert.NotPanics(t, func() { Handshake() }, "pluginapi.APIVersion %q", pluginapi.APIVersion)
}

func TestTailKeepsTheLastLines(t *testing.T) {
	tl := newTail(3)
	for _, s := range []string{"one\ntwo\n", "thr", "ee\nfour\nfi"} {
		n, err := tl.Write([]byte(s))
		assert.NoError(t, err)
		assert.Equal(t, len(s), n)
	}
	assert.Equal(t, []string{"three", "four", "fi"}, tl.lines())
	long := newTail(2)
	long.Write([]byte(strings.Repeat("x", 10000)))
	assert.Len(t, long.lines()[0], 4096, "an endless line is kept as its start")
}

func TestBackoffDoublesUpToItsCap(t *testing.T) {
	p := &Process{opts: Options{RestartBackoff: 100 * time.Millisecond, MaxRestartBackoff: time.Second}.withDefaults("x")}
	var got []time.Duration
	for p.failures = 0; p.failures <= 7; p.failures++ {
		got = append(got, p.backoffLocked())
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{0, 0, 100 * ms, 200 * ms, 400 * ms, 800 * ms, time.Second, time.Second}, got)
}

func TestWireName(t *testing.T) {
	assert.Equal(t, "Plugin.Logger_Info", WireName("Logger.Info"))
	assert.Equal(t, "Plugin.AddTwoInts", WireName("AddTwoInts"))
	assert.Equal(t, "Plugin.Vars", WireName("Vars"))
}

func TestCode(t *testing.T) {
	assert.Equal(t, "", Code(nil))
	assert.Equal(t, "plugin_exited", Code(&ExitError{}))
	assert.Equal(t, "plugin_timeout", Code(&TimeoutError{}))
	assert.Equal(t, "plugin_timeout", Code(&ExitError{Cause: &TimeoutError{}}), "killed for a timeout: the timeout is the cause")
	assert.Equal(t, "restart_backoff", Code(&BackoffError{Last: &ExitError{}}))
	assert.Equal(t, "plugin_panic", Code(&PanicError{}))
	assert.Equal(t, "remote_error", Code(&RemoteError{Msg: "x"}))
	assert.Equal(t, "", Code(assert.AnError))
}

func TestLineFilterDropsGoPluginsOwnLines(t *testing.T) {
	var out strings.Builder
	f := &lineFilter{w: &out}
	for _, s := range []string{
		`{"@level":"debug","@message":"plugin address","network":"unix"}` + "\n",
		"2026/12/02 01:47:01 [DEBUG] plugin: plugin server: accept unix /tmp/x: use of closed network connection\n",
		"[ERR] plugin: stream copy 'stderr' error: session shutdown\n",
		"stderrprint: m\npanic: boom\n",
		"[DEBUG] mine: a plugin's own line\n",
		"half a li", "ne\n",
	} {
		f.Write([]byte(s))
	}
	assert.Equal(t, "stderrprint: m\npanic: boom\n[DEBUG] mine: a plugin's own line\nhalf a line\n", out.String())
}
