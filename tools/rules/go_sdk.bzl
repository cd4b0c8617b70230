"""A Go SDK pinned by version and sha256, fetched through the user's GOPROXY.

Every Go release is also published as the module golang.org/toolchain, so any
Go module proxy serves the SDK. Reading the proxy from the environment keeps
registry hosts out of the repository and honours a team's own proxy. The zip
is verified against the sha256 below, so the proxy is trusted for
availability only.

The SDK is handed to rules_go with go_sdk.wrap (see MODULE.bazel).
"""

# Held at 1.26.8: host and plugins must share one toolchain (docs/compatibility.md);
# a bump is one change here plus go.mod's go line.
GO_VERSION = "1.26.8"

# sha256 of golang.org/toolchain@v0.0.1-go<GO_VERSION>.<platform>.zip
_SDKS = {
    "linux-amd64": "30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7",
}

def _platform(rctx):
    os = rctx.os.name.lower()
    if os.startswith("linux"):
        goos = "linux"
    elif os.startswith("mac"):
        goos = "darwin"
    else:
        fail("plugkit: Go plugins need Linux or macOS; this host is %s" % rctx.os.name)
    arch = rctx.os.arch
    goarch = {"amd64": "amd64", "x86_64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(arch)
    if not goarch:
        fail("plugkit: no Go SDK pinned for architecture %s" % arch)
    return goos + "-" + goarch

def _proxies(rctx):
    value = rctx.getenv("GOPROXY", "")
    if not value:
        go = rctx.which("go")
        if go:
            result = rctx.execute([go, "env", "GOPROXY"])
            if result.return_code == 0:
                value = result.stdout.strip()
    urls = []

    # GOPROXY is a list separated by "," or "|"; "direct" and "off" are not URLs.
    for entry in value.replace("|", ",").split(","):
        entry = entry.strip().rstrip("/")
        if entry and entry not in ("direct", "off"):
            urls.append(entry)
    if not urls:
        fail("plugkit: no Go module proxy to fetch the Go SDK from: set GOPROXY")
    return urls

def _go_toolchain_sdk_impl(rctx):
    platform = _platform(rctx)
    sha256 = _SDKS.get(platform)
    if not sha256:
        fail("plugkit: no sha256 pinned for the Go %s SDK on %s; add it to tools/rules/go_sdk.bzl" % (GO_VERSION, platform))
    module = "v0.0.1-go%s.%s" % (GO_VERSION, platform)
    rctx.report_progress("fetching Go %s (%s) through GOPROXY" % (GO_VERSION, platform))
    rctx.download_and_extract(
        url = ["%s/golang.org/toolchain/@v/%s.zip" % (proxy, module) for proxy in _proxies(rctx)],
        sha256 = sha256,
        type = "zip",
        stripPrefix = "golang.org/toolchain@" + module,
    )

    # go_sdk.wrap finds GOROOT as the directory holding this file.
    rctx.file("ROOT", "")
    rctx.file("BUILD.bazel", 'exports_files(["ROOT"])\n')

go_toolchain_sdk_repository = repository_rule(
    implementation = _go_toolchain_sdk_impl,
    environ = ["GOPROXY"],
)

def _go_toolchain_sdk_ext_impl(_mctx):
    go_toolchain_sdk_repository(name = "go_toolchain_sdk")

go_toolchain_sdk = module_extension(implementation = _go_toolchain_sdk_ext_impl)
