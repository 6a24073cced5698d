# The two commands a new machine needs: `make run` and `make test`.
PORT ?= 8080
HOST ?= 127.0.0.1
THREADS ?=
ARGS ?=
JOBS ?= $(shell nproc)

RELEASE := build/release
SHOWCASE := $(RELEASE)/examples/vial_showcase

FUZZ_SECONDS ?= 60

.PHONY: deps build run dev test test-sanitize test-tsan bench fuzz format clean package install

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	$(SHOWCASE) run --host $(HOST) --port $(PORT) $(if $(THREADS),--threads $(THREADS)) $(ARGS)

# The showcase under `dev`: every saved change under examples/, src/ or include/ rebuilds
# it and restarts it on the same socket (docs/dev.md).
dev: build
	$(SHOWCASE) dev --host $(HOST) --port $(PORT) $(if $(THREADS),--threads $(THREADS)) \
		--watch examples --watch src --watch include \
		--build "cmake --build --preset release --target vial_showcase" $(ARGS)

test: build
	ctest --preset release -j $(JOBS)

# build/release/libvial-dev_<version>_<arch>.deb: `apt install ./build/release/libvial-dev_*.deb`
package: build
	@cmake --build --preset release --target package

# Installs headers, library, CMake package and vial.pc under PREFIX (default /usr/local).
PREFIX ?= /usr/local
install: build
	cmake --install $(RELEASE) --prefix $(PREFIX)

test-sanitize: deps
	@cmake --preset sanitize >/dev/null
	@cmake --build --preset sanitize -j $(JOBS)
	ctest --preset sanitize -j $(JOBS)

test-tsan: deps
	@cmake --preset tsan >/dev/null
	@cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan -j $(JOBS)

fuzz:
	@bash scripts/install-deps.sh --fuzz
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS)
	bash scripts/fuzz.sh $(FUZZ_SECONDS)

bench: build
	bash bench/run.sh

format:
	@git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
