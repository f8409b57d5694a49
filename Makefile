# ParcelDesk — the two commands a newcomer needs (`make run`, `make test`) and
# the benchmark entry point. The real build is CMake (CMakeLists.txt); this
# file only strings the steps together. Every target installs what it needs
# first (scripts/deps.sh is idempotent and quick when nothing is missing).

MAKEFLAGS  += --no-print-directory
BUILD      ?= build
ASAN_BUILD ?= build-asan
DB         ?= sqlite:var/parceldesk.db
LISTEN     ?= 127.0.0.1:8080
JOBS       ?= $(shell nproc)

.PHONY: all deps build build-asan run test bench format clean

all: build

deps:
	bash scripts/deps.sh

build:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

build-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DPD_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# Install, build, migrate and seed the embedded database, then serve.
run: deps build
	bash scripts/run.sh "$(DB)" "$(LISTEN)"

# Install, build (plain and sanitized), run every suite; non-zero on failure.
test: deps
	bash scripts/test.sh

bench: deps build
	bash bench/run.sh

format:
	find src tests bench -name '*.[ch]' -print0 | xargs -0 clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
