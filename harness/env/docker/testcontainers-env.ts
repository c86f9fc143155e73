// Imported before testcontainers, which reads these at its first use:
// - Ryuk's image cannot be pulled where no registry is reachable, and the docker provider removes
//   what it starts by label itself (labels.ts). A user may opt back in with
//   TESTCONTAINERS_RYUK_DISABLED=false.
// - Its host detection, on a machine that is itself a container and whose engine's bridge network
//   names no gateway, runs an `alpine:3.14` helper (a registry pull) to find one. The provider
//   publishes every port on 127.0.0.1 and connects there (run-container.ts), so that is the host;
//   TESTCONTAINERS_HOST_OVERRIDE set by the user still wins.
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";
process.env.TESTCONTAINERS_HOST_OVERRIDE ??= "127.0.0.1";
