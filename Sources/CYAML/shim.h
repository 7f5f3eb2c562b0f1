// libyaml's header is found through pkg-config (yaml-0.1); a modulemap that
// names <yaml.h> directly resolves relative to this folder and misses it.
#include <yaml.h>
