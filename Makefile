# Build and install the payplan command.
#
#   make                          # swift build -c release --product payplan
#   make install                  # copies it to /usr/local/bin (may need sudo)
#   make install PREFIX=$HOME/.local
#   make uninstall PREFIX=…
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SWIFT ?= swift

.PHONY: all build install uninstall

all: build

build:
	$(SWIFT) build -c release --product payplan

install: build
	install -d "$(DESTDIR)$(BINDIR)"
	install -m 755 "$$($(SWIFT) build -c release --show-bin-path)/payplan" "$(DESTDIR)$(BINDIR)/payplan"

uninstall:
	rm -f "$(DESTDIR)$(BINDIR)/payplan"
