# Patchwarden - one plain GNU Makefile for the library, services, CLI and tests.
#
#   make              build everything into build/
#   make test         unit + integration tests (starts a private PostgreSQL)
#   make run          the local stack: PostgreSQL, migrations, three services
#   make bench        benchmarks (see docs/performance.md)
#   make format-check clang-format over every C file
#   make SAN=1 ...    the same with AddressSanitizer + UBSan, into build/san/
#
# Sources are found by wildcard: a new lib/pw_x.c joins libpw, a new
# services/NAME/x.c joins that service's archive, a new tests/unit/test_x.c
# becomes a test binary. Nothing here needs editing to add a class.

SHELL := /bin/bash
PKGS := libczmq libzmq libprotobuf-c libpq libevent libevent_pthreads yaml-0.1

ifeq ($(SAN),1)
BUILD ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
OPT ?= -O1
else
BUILD ?= build
SANFLAGS :=
OPT ?= -O2
endif

CC ?= cc
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

SERVICES := policy scheduler audit
CPPFLAGS += -Ilib -Itests/lib -I$(BUILD)/gen $(addprefix -Iservices/,$(SERVICES)) \
            -D_GNU_SOURCE -DPW_VERSION=\"$(VERSION)\"
CFLAGS += -std=c11 -Wall -Wextra -Werror -g $(OPT) -fno-omit-frame-pointer \
          $(SANFLAGS) $(PKG_CFLAGS) -MMD -MP
LDFLAGS += $(SANFLAGS)
LDLIBS += $(PKG_LIBS) -lm -lpthread
VERSION ?= $(shell cat VERSION 2>/dev/null || echo 0.0.0)

# --- protobuf -----------------------------------------------------------
PROTOS := $(wildcard proto/*.proto)
PROTO_C := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
PROTO_H := $(PROTO_C:.c=.h)
PROTO_OBJ := $(PROTO_C:.c=.o)

$(BUILD)/gen/.stamp: $(PROTOS)
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen -Iproto $(PROTOS)
	@touch $@

$(PROTO_C) $(PROTO_H): $(BUILD)/gen/.stamp

$(BUILD)/gen/%.pb-c.o: $(BUILD)/gen/%.pb-c.c
	$(CC) $(CPPFLAGS) $(filter-out -Werror,$(CFLAGS)) -c $< -o $@

# --- objects ------------------------------------------------------------
LIB_SRC := $(wildcard lib/*.c)
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/gen/pw_sql_files.o

SQL_FILES := $(sort $(wildcard sql/migrations/*.sql sql/queries/*.sql sql/scripts/*.sql))
$(BUILD)/gen/pw_sql_files.c: $(SQL_FILES) tools/embed-sql | $(BUILD)/gen/.stamp
	tools/embed-sql $(SQL_FILES) > $@
$(BUILD)/gen/pw_sql_files.o: $(BUILD)/gen/pw_sql_files.c
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@
LIBPW := $(BUILD)/libpw.a

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/.stamp
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIBPW): $(LIB_OBJ) $(PROTO_OBJ)
	@rm -f $@
	ar rcs $@ $^

define service_rules
$(1)_SRC := $$(filter-out services/$(1)/main.c,$$(wildcard services/$(1)/*.c))
$(1)_OBJ := $$(patsubst %.c,$$(BUILD)/obj/%.o,$$($(1)_SRC))
$$(BUILD)/lib$(1).a: $$($(1)_OBJ)
	@rm -f $$@
	$$(if $$^,ar rcs $$@ $$^,printf '!<arch>\n' > $$@)
$$(BUILD)/bin/pw-$(1): $$(BUILD)/obj/services/$(1)/main.o $$(BUILD)/lib$(1).a $$(LIBPW)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) $$^ $$(LDLIBS) -o $$@
endef
$(foreach s,$(SERVICES),$(eval $(call service_rules,$(s))))

SVC_LIBS := $(foreach s,$(SERVICES),$(BUILD)/lib$(s).a)

CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(CLI_SRC))
$(BUILD)/bin/pwctl: $(CLI_OBJ) $(SVC_LIBS) $(LIBPW)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

BINS := $(foreach s,$(SERVICES),$(BUILD)/bin/pw-$(s)) $(BUILD)/bin/pwctl

# --- tests --------------------------------------------------------------
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(UNIT_SRC))
INTEG_SRC := $(wildcard tests/integration/test_*.c)
INTEG_BIN := $(patsubst tests/integration/%.c,$(BUILD)/tests/integration/%,$(INTEG_SRC))
TESTLIB_SRC := $(wildcard tests/lib/*.c)
TESTLIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(TESTLIB_SRC))

$(BUILD)/tests/%: $(BUILD)/obj/tests/%.o $(TESTLIB_OBJ) $(SVC_LIBS) $(LIBPW)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))
$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(SVC_LIBS) $(LIBPW)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

# --- targets ------------------------------------------------------------
.SECONDARY:
.PHONY: all deps tests test unit run bench format format-check clean
.DEFAULT_GOAL := all
all: $(BINS)
tests: $(BINS) $(UNIT_BIN) $(INTEG_BIN)

deps:
	@deploy/install-deps

unit: $(UNIT_BIN)
	@tests/run --unit-only --build $(BUILD)

test: deps
	@$(MAKE) --no-print-directory tests
	@tests/run --build $(BUILD)

run: deps
	@$(MAKE) --no-print-directory all
	@deploy/run-local --build $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@bench/run --build $(BUILD) $(BENCH_ARGS)

C_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find lib services cli tests bench -name '*.[ch]')
format:
	clang-format -i $(C_FILES)
format-check:
	@clang-format --dry-run --Werror $(C_FILES) && echo "format: ok"

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
