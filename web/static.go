package web

import (
	"embed"
	"io/fs"
)

//go:embed all:static
var staticFiles embed.FS

// Static is the browser assets directory: app.css and the editor bundle
// under dist/. Its paths have no "static/" prefix, so the server mounts it
// at /static/ (for example with echo's StaticFS).
var Static fs.FS = mustSub(staticFiles, "static")

func mustSub(fsys fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
