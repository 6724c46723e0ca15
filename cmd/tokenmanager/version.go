package main

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
)

// version is set at build time with -ldflags "-X main.version=…" (the
// Dockerfile does); otherwise buildVersion reads it from the build info.
var version = ""

// buildVersion is the version a binary reports: the -ldflags version,
// else the module version (`go install …@v1.2.3`), else the VCS revision
// it was built from ("devel+0123456789ab", ".dirty" with local changes),
// else "unknown".
func buildVersion() string {
	info, ok := debug.ReadBuildInfo()
	return versionFrom(version, info, ok)
}

// versionFrom is buildVersion on given build info, for tests.
func versionFrom(ldflags string, info *debug.BuildInfo, ok bool) string {
	if ldflags != "" {
		return ldflags
	}
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	s := map[string]string{}
	for _, kv := range info.Settings {
		s[kv.Key] = kv.Value
	}
	rev := s["vcs.revision"]
	if rev == "" {
		return "devel"
	}
	out := "devel+" + rev[:min(12, len(rev))]
	if s["vcs.modified"] == "true" {
		out += ".dirty"
	}
	return out
}

// printVersion is `tokenmanager version` (and --version): the version,
// the commit time when known, and the Go release.
func printVersion(_ context.Context, _ []string, out io.Writer) error {
	info, ok := debug.ReadBuildInfo()
	line := "tokenmanager " + versionFrom(version, info, ok)
	if ok {
		for _, kv := range info.Settings {
			if kv.Key == "vcs.time" {
				line += " (" + kv.Value + ")"
			}
		}
		line += " " + info.GoVersion
	}
	_, err := fmt.Fprintln(out, line)
	return err
}
