"""The rules BUILD files load: one file, so a fork has one place to look.

  go_plugin            a plugin of a kind: .so beside its build record, checks
  GoPluginInfo         what a built plugin provides to the rules below
  plugin_dir           plugins in the folder layout the host reads
  plugin_install       `bazel run` target that installs plugins into a folder
  go_plugin_registry   a Go package that links plugins into a host
  go_static_host       a host binary with such a registry linked in
  go_kind_libraries    the bindings package of every declared kind
  go_plugin_bindings   per-plugin bindings of a .so (bindgen)
  plugin_variant       a plugin built with other settings (compatibility tests)
  race_test            a test and all its data under -race
  go_host_buildconfig  what the host expects of a plugin's build
  MODULE_PATH, API_PACKAGE, KINDS   the contract's facts (contract.bzl)
"""

load("@plugkit_contract//:contract.bzl", _API_PACKAGE = "API_PACKAGE", _KINDS = "KINDS", _MODULE_PATH = "MODULE_PATH")
load(":bindings.bzl", _go_plugin_bindings = "go_plugin_bindings")
load(":build_record.bzl", _go_host_buildconfig = "go_host_buildconfig")
load(":go_plugin.bzl", _GoPluginInfo = "GoPluginInfo", _go_plugin = "go_plugin")
load(":kinds.bzl", _go_kind_libraries = "go_kind_libraries")
load(":plugin_dir.bzl", _plugin_dir = "plugin_dir", _plugin_install = "plugin_install")
load(":plugin_variant.bzl", _plugin_variant = "plugin_variant")
load(":race_test.bzl", _race_test = "race_test")
load(":registry.bzl", _go_plugin_registry = "go_plugin_registry", _go_static_host = "go_static_host")

API_PACKAGE = _API_PACKAGE
KINDS = _KINDS
MODULE_PATH = _MODULE_PATH
GoPluginInfo = _GoPluginInfo
go_host_buildconfig = _go_host_buildconfig
go_kind_libraries = _go_kind_libraries
go_plugin = _go_plugin
go_plugin_bindings = _go_plugin_bindings
go_plugin_registry = _go_plugin_registry
go_static_host = _go_static_host
plugin_dir = _plugin_dir
plugin_install = _plugin_install
plugin_variant = _plugin_variant
race_test = _race_test
