// Package registry stands where TestStaticEndToEnd puts the registry that
// `pluginmain static` generates: the test's go build -overlay replaces this
// file with it. It exists so that testdata/fake/host's import names a real
// package for every other tool (go vet, gopls, the fork check).
package registry
