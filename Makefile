# Build, run and test Updraft. `make run` and `make test` build the editor
# bundle and the bundled action modules first, because the binary embeds
# both.

GO ?= go
# Extra flags for `go test`, such as TESTFLAGS=-count=1.
TESTFLAGS ?=

.PHONY: run test generate web-bundle action-modules build clean

run: generate
	$(GO) run ./cmd/updraft serve

# Runs the editor's unit tests (Vitest), then every Go test, including the
# end-to-end and browser tests.
test: generate
	npm test --prefix web/editor
	$(GO) test $(TESTFLAGS) ./...

generate: web-bundle action-modules

# Writes web/static/dist/editor.js and editor.css.
web-bundle:
	npm ci --prefix web/editor
	npm run --prefix web/editor build

# Writes actions/builtin/dist/<name>.wasm and <name>.json.
action-modules:
	$(GO) run ./actions/builtin/build -out actions/builtin/dist

build: generate
	$(GO) build -o updraft ./cmd/updraft

clean:
	rm -f updraft
	find web/static/dist actions/builtin/dist -type f ! -name .gitkeep -delete
