package owntype

// Config is a type of the plugin's own package.
type Config struct{}

// New returns it: neither the package main nor a host can name the type.
func New() *Config { return &Config{} }
