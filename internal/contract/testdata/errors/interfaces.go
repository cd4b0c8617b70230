package api

import "example.com/other/api"

type Cycle interface {
	Loop
	M()
}

type Loop interface {
	Cycle // want `field Cycle: interface Cycle embeds itself through Cycle`
}

type Constrained interface {
	comparable // want `field Constrained: interface Constrained embeds comparable`
}

type Struct struct{}

type EmbedsStruct interface {
	Struct // want `field Embeds: interface EmbedsStruct embeds Struct, which is not an interface`
}

type InterfacesKind struct {
	PluginManifest Manifest
	Cycle          Cycle
	Constrained    Constrained
	Embeds         EmbedsStruct
	Other          api.Greeter // want `field Other: import "example.com/other/api" is named api, the API package's own name`
	Tag            func()      `plugkit:"func"` // want `field Tag: unknown struct tag plugkit:"func"`
}
