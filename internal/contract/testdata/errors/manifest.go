package api

type NoManifestKind struct { // want `kind nomanifest \(NoManifestKind\): has no field PluginManifest Manifest`
	Greeter Greeter
}

type PtrManifestKind struct {
	PluginManifest *Manifest // want `field PluginManifest: has type \*Manifest; every kind's PluginManifest has type Manifest`
}
