# OFS developer entry points. `make run` and `make test` bootstrap missing dependencies first.
PRESET ?= release
BUILD_DIR := build/$(PRESET)
OFS := $(BUILD_DIR)/apps/ofs/ofs
DATA_DIR ?= ./data
PORT ?= 8080
ADMIN_PORT ?= 8081
JOBS ?= $(shell nproc)
# The Spark tests run in their own stage (test-spark), not with the rest of the black-box suite.
SPARK_E2E := tests/e2e/test_spark.py
# The Rust bridges (native/: the CQL driver, delta-kernel-rs) are always built in release mode,
# uninstrumented: every preset shares one cargo target directory, so a clean `make test` compiles them once. Set it outside the clone
# to keep it across clones (a cache: an empty one still builds).
export CARGO_TARGET_DIR ?= $(CURDIR)/build/cargo

.PHONY: bootstrap configure build run test test-fast test-unit test-e2e test-contract test-python test-sanitized test-cassandra test-cassandra-full \
        test-mariadb test-s3 test-spark spark-jar spark-jars spark-deps \
        test-asan test-tsan fuzz bench bench-build bench-quick bench-scaling fmt fmt-check tidy clean

bootstrap:
	@./scripts/bootstrap

configure: bootstrap
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j$(JOBS)

# STORE=cassandra://HOST:PORT/KEYSPACE runs on Cassandra instead of the embedded store (README).
run: build
	$(OFS) standalone --data-dir $(DATA_DIR) --port $(PORT) --admin-port $(ADMIN_PORT) $(if $(STORE),--store '$(STORE)')

# Every test, as CI runs it (.ci/run): the format check; unit and integration tests (ctest), the
# black-box suite against the real binary, the Darwin-face contract (golden request -> response pairs,
# tests/contract) and the Python SDK's suite (python/) on the release build; the unit and black-box
# suites again under AddressSanitizer + UBSan; then each fuzz target for FUZZ_SECONDS.
# `make test-fast` is the release half only (the edit-compile-test loop). Each stage prints its wall time
# ("make test: STAGE took N s"), so that CI's log shows where its 45 minutes go.
TEST_STAGES := fmt-check test-unit test-e2e test-contract test-python test-mariadb test-s3 test-spark \
  test-cassandra test-sanitized fuzz
# The Spark stage's downloads and its jars (spark-deps, spark-jar: pip and Maven, mostly waiting on the
# network) are fetched beside the build (which waits on the CPU), after the bootstrap's own installs; their
# log is build/spark-deps.log.
test:
	@./scripts/bootstrap
	@mkdir -p build; ( $(MAKE) --no-print-directory spark-deps spark-jars >build/spark-deps.log 2>&1 ) & deps=$$!; \
	$(MAKE) --no-print-directory build; built=$$?; \
	wait $$deps || { cat build/spark-deps.log; exit 1; }; [ $$built -eq 0 ] || exit 1
	@for stage in $(TEST_STAGES); do \
	  start=$$(date +%s); $(MAKE) --no-print-directory $$stage || exit 1; \
	  echo "make test: $$stage took $$(( $$(date +%s) - start )) s"; \
	done

test-fast: build
	@$(MAKE) --no-print-directory test-unit test-e2e test-contract test-python

# Tests labelled with a real server they need (cassandra, mariadb, s3) run in that server's target below.
test-unit:
	@ctest --test-dir $(BUILD_DIR) -j$(JOBS) --output-on-failure --timeout 300 -LE 'cassandra|mariadb|s3'

# Everything that needs an S3-compatible server (scripts/services/s3.sh: moto, on a port of its own): the S3
# client against it (ctest -L s3) and metadata backups to s3:// (tests/e2e/test_metadata_backup_s3.py, which
# otherwise starts a server of its own). The server is stopped and wiped afterwards, pass or fail.
S3_PORT ?= 14568
S3_SCRIPT := OFS_S3_PORT=$(S3_PORT) scripts/services/s3.sh
test-s3:
	@url=$$($(S3_SCRIPT) start | tail -1) || exit 1; \
	export OFS_TEST_S3_ENDPOINT=$$url OFS_REQUIRE_SERVICES=1; \
	ctest --test-dir $(BUILD_DIR) -j1 --output-on-failure --timeout 300 -L s3 && \
	OFS_BINARY=$(OFS) python3 -m pytest -q tests/e2e/test_metadata_backup_s3.py; \
	rc=$$?; $(S3_SCRIPT) stop >/dev/null; $(S3_SCRIPT) wipe >/dev/null; exit $$rc

# Everything that needs a real MariaDB (scripts/services/mariadb.sh, on a port of its own): the MySQL
# connection and the MetadataStore conformance suite on MariaDB (ctest -L mariadb), and metadata backups
# moved between SQLite and MariaDB (tests/e2e/test_metadata_backup.py). MariaDB is stopped and
# its data wiped afterwards, pass or fail.
MARIADB_PORT ?= 13306
MARIADB_SCRIPT := OFS_MARIADB_PORT=$(MARIADB_PORT) scripts/services/mariadb.sh
test-mariadb:
	@url=$$($(MARIADB_SCRIPT) start | tail -1) || exit 1; \
	export OFS_TEST_MYSQL_URL=$$url OFS_REQUIRE_SERVICES=1; \
	ctest --test-dir $(BUILD_DIR) -j1 --output-on-failure --timeout 600 -L mariadb && \
	OFS_BINARY=$(OFS) python3 -m pytest -q tests/e2e/test_metadata_backup.py; \
	rc=$$?; $(MARIADB_SCRIPT) stop >/dev/null; $(MARIADB_SCRIPT) wipe >/dev/null; exit $$rc

# Everything that needs a real Cassandra (scripts/services/cassandra.sh, on its own ports) and MariaDB: the CQL
# bridge and CassandraStore with the OnlineStore conformance suite (ctest -L cassandra); the Darwin-keyspace
# and two-node fault tests against `ofs standalone --store cassandra://...`; then the whole black-box suite
# and the Darwin contract against fleets (OFS_E2E_FLEET=1: one `ofs admin` and two `ofs serve` over MariaDB
# and Cassandra, admin calls to the admin node, serving calls alternating between the serve nodes; servers
# a test starts itself stay standalone on the same engines); then the fleet test (scripts/cluster.sh,
# tests/e2e/test_fleet.py). `make test-cassandra-full` runs the whole suite against `ofs standalone` over
# Cassandra as well. OFS_REQUIRE_SERVICES=1 turns a missing server into a failure rather than a skip.
# Cassandra and MariaDB are stopped (and their data wiped) afterwards, pass or fail.
CASSANDRA_PORT ?= 19042
CASSANDRA_STORAGE_PORT ?= 17042
# The whole suite makes over a thousand tables (a keyspace per server, a table per entity): with 2 GiB of
# heap the node ran out of memory and exited (ExitOnOutOfMemoryError) two thirds of the way through.
CASSANDRA_HEAP ?= 6g
CASSANDRA_SCRIPT := OFS_CASSANDRA_PORT=$(CASSANDRA_PORT) OFS_CASSANDRA_STORAGE_PORT=$(CASSANDRA_STORAGE_PORT) \
  OFS_CASSANDRA_HEAP=$(CASSANDRA_HEAP) scripts/services/cassandra.sh
# Statements wait up to 4 s (schema changes on a busy 2-core machine), within the 5 s request deadline.
CASSANDRA_E2E_STORE = cassandra://$$addr/{keyspace}?request_timeout_ms=4000
CASSANDRA_E2E ?= tests/e2e/test_cassandra_darwin_keyspace.py tests/e2e/test_cassandra_two_nodes.py
# The fleet run: every file with tests on the shared or per-module server (a fleet here); not those that
# start engines or fleets of their own (run above, below, in test-s3 and, for Kafka, in test-e2e), nor
# those whose every test starts its own `ofs standalone` (disk full, output bounds, import: one process,
# not a fleet; the embedded suite runs them, and test-cassandra-full over Cassandra).
FLEET_E2E := tests/e2e tests/contract --ignore=tests/e2e/test_fleet.py \
  --ignore=tests/e2e/test_cassandra_darwin_keyspace.py --ignore=tests/e2e/test_cassandra_two_nodes.py \
  --ignore=tests/e2e/test_metadata_backup_s3.py --ignore=tests/e2e/test_populate_s3.py --ignore=tests/e2e/test_disk_full.py \
  --ignore=tests/e2e/test_http_output_bound.py --ignore=tests/e2e/test_import_darwin.py \
  --ignore=tests/e2e/test_kafka.py --ignore=$(SPARK_E2E)
test-cassandra:
	@addr=$$($(CASSANDRA_SCRIPT) start | tail -1) || exit 1; \
	url=$$($(MARIADB_SCRIPT) start | tail -1) || { $(CASSANDRA_SCRIPT) stop; exit 1; }; \
	export OFS_TEST_CASSANDRA=$$addr OFS_TEST_MYSQL_URL=$$url OFS_REQUIRE_SERVICES=1 \
	  OFS_CASSANDRA_STORAGE_PORT=$(CASSANDRA_STORAGE_PORT) OFS_CASSANDRA_HEAP=$(CASSANDRA_HEAP); \
	ctest --test-dir $(BUILD_DIR) -j1 --output-on-failure --timeout 900 -L cassandra && \
	OFS_E2E_STORE="$(CASSANDRA_E2E_STORE)" OFS_BINARY=$(OFS) python3 -m pytest -q $(CASSANDRA_E2E) && \
	OFS_E2E_FLEET=1 OFS_E2E_STORE="$(CASSANDRA_E2E_STORE)" OFS_E2E_METADATA="$${url%/*}/{database}" \
	  OFS_BINARY=$(OFS) python3 -m pytest -q $(FLEET_E2E) $(if $(filter-out 0,$(E2E_WORKERS)),-n $(FLEET_WORKERS) --dist loadscope) && \
	OFS_BINARY=$(OFS) python3 -m pytest -q tests/e2e/test_fleet.py; \
	rc=$$?; $(CASSANDRA_SCRIPT) stop >/dev/null; $(CASSANDRA_SCRIPT) wipe >/dev/null; \
	$(MARIADB_SCRIPT) stop >/dev/null; $(MARIADB_SCRIPT) wipe >/dev/null; exit $$rc

# test-cassandra, plus the whole suite against `ofs standalone` over Cassandra (embedded SQLite metadata).
test-cassandra-full:
	@$(MAKE) --no-print-directory test-cassandra \
	  CASSANDRA_E2E="tests/e2e tests/contract --ignore=tests/e2e/test_fleet.py --ignore=$(SPARK_E2E)"

# tests/e2e/test_metadata_backup_s3.py starts its own S3 server (scripts/services/s3.sh, moto, installed
# from PyPI on first use) on a free port and wipes it afterwards; it is skipped when moto cannot be had
# (test-s3 runs it with OFS_REQUIRE_SERVICES=1). tests/e2e/test_kafka.py starts its own Kafka broker
# (scripts/services/kafka.sh, jars installed with Maven into a temporary OFS_SERVICES_DIR) on a free port
# and wipes it afterwards, or uses OFS_TEST_KAFKA's; it is skipped without a broker or kcat unless
# OFS_REQUIRE_SERVICES=1.
#
# The black-box suites run on E2E_WORKERS pytest-xdist workers, a file (or a test class) per worker at a
# time (`--dist loadscope`: a module server is shared by its file's tests on one worker). They mostly wait
# on servers, sleeps and deadlines (one core 34% busy in a serial run), so four workers on two cores took
# the release suite from 200 to 123 s and the sanitized one from 373 to 267 s; the fleet run
# (FLEET_WORKERS, each worker's modules on fleets of their own over the one Cassandra and MariaDB) from
# 356 to 255 s. E2E_WORKERS=0 runs every suite serially in one process.
E2E_WORKERS ?= 4
FLEET_WORKERS ?= 3
E2E_PARALLEL = $(if $(filter-out 0,$(E2E_WORKERS)),-n $(E2E_WORKERS) --dist loadscope)
test-e2e:
	@OFS_BINARY=$(OFS) python3 -m pytest -q $(E2E_PARALLEL) tests/e2e --ignore=$(SPARK_E2E)

# The Spark DataSource `ofs` (spark/README.md): one jar per Spark line (Spark 4 / Scala 2.13 and Spark 3.5 /
# Scala 2.12), built by Maven into build/spark/; the last lines printed are their paths.
SPARK_LINES := spark-4 spark-3.5
SPARK_JAR_4 := build/spark/spark-4/darwin-ofs-v2-spark-0.1.0-spark4_2.13.jar
SPARK_JAR_35 := build/spark/spark-3.5/darwin-ofs-v2-spark-0.1.0-spark3.5_2.12.jar
SPARK_JARS := $(SPARK_JAR_4) $(SPARK_JAR_35)
SPARK_SOURCES := spark/pom.xml $(shell find spark/src -type f 2>/dev/null)
spark-jar:
	@rm -f $(SPARK_JARS)
	@$(MAKE) --no-print-directory spark-jars
	@for jar in $(SPARK_JARS); do echo $(CURDIR)/$$jar; done
# The jars as files: rebuilt only when spark/ changed (test-spark needs them).
spark-jars: $(SPARK_JARS)
MVN_SPARK = @command -v mvn >/dev/null || { echo "spark-jar needs Maven (mvn) and a JDK 11+ (apt-get install \
  maven default-jdk-headless)"; exit 1; }; mvn -B -q -f spark/pom.xml package -P
$(SPARK_JAR_4): $(SPARK_SOURCES)
	$(MVN_SPARK) spark-4
$(SPARK_JAR_35): $(SPARK_SOURCES)
	$(MVN_SPARK) spark-3.5

# pyspark and delta-spark (PyPI; about 500 MB, so only for the Spark tests, not for `make run`). Spark fetches
# delta-spark's jars from Maven Central at its first start into ~/.ivy2 (a cache: an empty one works).
SPARK_PIP := pyspark==4.2.0 delta-spark==4.4.0
spark-deps:
	@python3 -c 'import pyspark, delta, importlib.metadata as m; assert pyspark.__version__ == "4.2.0" and m.version("delta-spark") == "4.4.0"' \
	  2>/dev/null || { echo "installing $(SPARK_PIP)"; \
	  python3 -m pip install -q $(SPARK_PIP); }

# The Spark tests (tests/e2e/test_spark.py) against `ofs standalone`: the DataSource over HTTP and through Kafka
# (a broker of their own, as test_kafka.py starts one), a Delta table written by delta-spark loaded by `ofs
# populate`, and the SDK's Spark functions. One Spark session; local mode on 127.0.0.1.
test-spark: spark-jars spark-deps
	@OFS_REQUIRE_SPARK=1 OFS_REQUIRE_SERVICES=1 OFS_BINARY=$(OFS) python3 -m pytest -q $(SPARK_E2E)

test-contract:
	@OFS_BINARY=$(OFS) python3 -m pytest -q tests/contract

# The Python SDK (python/README.md) in its own venv: created and installed once, again only when
# python/pyproject.toml changes (editable install: source edits need no reinstall).
PYTHON_VENV := build/python-venv
PYTHON_STAMP := $(PYTHON_VENV)/.darwin_fs-installed

$(PYTHON_STAMP): python/pyproject.toml
	@test -x $(PYTHON_VENV)/bin/python || python3 -m venv $(PYTHON_VENV)
	@$(PYTHON_VENV)/bin/python -m pip install -q --disable-pip-version-check -e './python[async,pandas,test]'
	@touch $@

test-python: $(PYTHON_STAMP)
	@OFS_BINARY=$(OFS) $(PYTHON_VENV)/bin/python -m pytest -q python/tests

# The asan-ubsan preset (clang): unit tests and the black-box suite under the sanitizers.
test-sanitized:
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build build/asan-ubsan -j$(JOBS)
	@$(MAKE) --no-print-directory test-unit test-e2e test-contract PRESET=asan-ubsan

test-asan:
	@$(MAKE) --no-print-directory build test-unit test-e2e test-python PRESET=asan-ubsan

# Each libFuzzer target of the asan-ubsan build for FUZZ_SECONDS, from its seeds in fuzz/corpus/<name>/;
# what it finds is kept in build/fuzz-corpus/<name>/ (outside the source tree), a crash fails the run and
# leaves its input in build/fuzz-crashes/ (fuzz/README.md says how to replay it).
# 10 s a target in `make test` (a smoke run that fits CI's 45 minutes; the seeds are replayed by ctest too);
# longer runs: make fuzz FUZZ_SECONDS=600.
FUZZ_SECONDS ?= 10
FUZZ_TARGETS = $(patsubst fuzz/%_fuzz.cc,%,$(wildcard fuzz/*_fuzz.cc))
fuzz:
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build build/asan-ubsan -j$(JOBS) --target $(addsuffix _fuzz,$(FUZZ_TARGETS))
	@mkdir -p build/fuzz-crashes
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build/fuzz-corpus/$$t; \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  build/asan-ubsan/fuzz/$${t}_fuzz build/fuzz-corpus/$$t fuzz/corpus/$$t -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=20 -rss_limit_mb=4096 -print_final_stats=0 -artifact_prefix=build/fuzz-crashes/$$t- \
	    >build/fuzz-crashes/$$t.log 2>&1 || { tail -40 build/fuzz-crashes/$$t.log; exit 1; }; \
	  grep -E "^Done|#[0-9]+.*DONE" build/fuzz-crashes/$$t.log | tail -1; \
	done

# RocksDB (Debian's, uninstrumented) needs suppressions under TSan: cmake/tsan-suppressions.txt says why.
test-tsan:
	@TSAN_OPTIONS="suppressions=$(CURDIR)/cmake/tsan-suppressions.txt" $(MAKE) --no-print-directory build test-unit PRESET=tsan

# Benchmarks (bench/README.md): always the release preset, whatever PRESET says. `make bench` writes
# docs/benchmarks.md; bench-quick (about two minutes) writes build/bench/quick/benchmarks.md; bench-scaling adds
# the scaling section to docs/benchmarks.md. Extra harness flags: BENCH_ARGS="--duration 5 --no-redis".
# S5 (Kafka ingestion) starts its own broker (scripts/services/kafka.sh, port 19392, build/bench/services);
# BENCH_ARGS="--only s5" runs it alone, "--no-kafka" skips it.
# bench-cassandra: OFS over a local Apache Cassandra (scripts/services/cassandra.sh, started and stopped by
# the harness) beside the CQL driver's own loop on the same statements; writes docs/benchmarks-cassandra.md
# (BENCH_ARGS="--quick": 20k entities, a few minutes, build/bench/cassandra-quick/).
BENCH_BUILD_DIR := build/release
BENCH_TARGETS := ofs ofs_loadgen ofs_wire_server ofs_storage_limit ofs_kafka_ingest
SCALE_ENTITIES ?= 100000,1000000,10000000
SCALE_FEATURES ?= 10,100
BENCH_RUN = OFS_BENCH_COMMAND="make $@" python3 bench/run.py --no-build --build-dir $(BENCH_BUILD_DIR)

bench-build: bootstrap
	@cmake --preset release >/dev/null
	@cmake --build $(BENCH_BUILD_DIR) -j$(JOBS) --target $(BENCH_TARGETS)

bench: bench-build
	@$(BENCH_RUN) $(BENCH_ARGS)

bench-quick: bench-build
	@$(BENCH_RUN) --quick $(BENCH_ARGS)

bench-scaling: bench-build
	@$(BENCH_RUN) --scaling --scaling-entities $(SCALE_ENTITIES) --scaling-features $(SCALE_FEATURES) $(BENCH_ARGS)

.PHONY: bench-cassandra
bench-cassandra: bootstrap
	@cmake --preset release >/dev/null
	@cmake --build $(BENCH_BUILD_DIR) -j$(JOBS) --target ofs ofs_loadgen ofs_cql_reference
	@$(BENCH_RUN) --store cassandra $(BENCH_ARGS)

fmt:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

fmt-check:
	@git ls-files '*.cc' '*.h' | xargs clang-format --dry-run -Werror

tidy: configure
	@git ls-files 'src/*.cc' 'apps/*.cc' | xargs clang-tidy -p $(BUILD_DIR) --quiet

clean:
	rm -rf build
