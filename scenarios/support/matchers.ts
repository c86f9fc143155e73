// The repo's own scenario tests use the matchers lease-chaos/vitest publishes.
import "../../harness/vitest/index.ts";
