package dev.veil.cli;

import dev.veil.attest.AttestationException;
import dev.veil.attest.Claims;
import dev.veil.attest.ClaimFailure;
import dev.veil.attest.EvidenceEncoding;
import dev.veil.attest.Platform;
import dev.veil.attest.ReferenceValues;
import dev.veil.attest.Simulation;
import dev.veil.attest.VerificationOptions;
import dev.veil.attest.Verifiers;
import dev.veil.attest.policy.PolicyCheck;
import dev.veil.protocol.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "attest", mixinStandardHelpOptions = true,
        description = "Verify TEE attestation evidence, for auditors and operators.",
        subcommands = {AttestCommand.Verify.class})
final class AttestCommand {

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = {"Verify evidence offline and hold its claims to a policy.",
                    "Parses the evidence, checks its signatures and certificate chain to the platform's pinned root, then",
                    "holds its claims to a policy. Prints the claims and every check as JSON; exit 0 when",
                    "the evidence verifies and meets the policy, 2 otherwise (one-line reason on stderr).",
                    "Without --policy the safe defaults of docs/POLICY.md apply (no debug, no simulation, TCB status",
                    "UpToDate with no advisory, complete collateral, SNP at VMPL 0 with a minimum TCB); the measurement",
                    "is printed for you to compare. A policy file is the reference-value format contracts embed."})
    static final class Verify implements Callable<Integer> {
        @Option(names = "--platform", required = true, description = "sim, snp, tdx, sgx or nitro")
        String platform;
        @Option(names = "--evidence", required = true, description = "the evidence: raw binary, hex or base64 (detected)")
        Path evidence;
        @Option(names = "--certs", description = "certificate file(s), PEM or DER (e.g. the SNP VCEK); repeatable")
        List<Path> certs = new ArrayList<>();
        @Option(names = "--collateral", description = "directory of collateral files, recognised by content, not name")
        Path collateral;
        @Option(names = "--at", description = "verification time, ISO-8601 (default: now); sample certificates expire")
        String at;
        @Option(names = "--policy", description = "JSON reference values (docs/POLICY.md): platform, measurements, waivers, ...")
        Path policy;
        @Option(names = "--report-data", description = "expected report data (hex), checked exactly")
        String reportData;
        @Option(names = "--allow-debug", description = "accept debug TEEs (testing only)")
        boolean allowDebug;
        @Option(names = "--dry-run", description = "show which checks pass or fail and exit 0 if the evidence itself verifies")
        boolean dryRun;
        @Option(names = "--fetch", description = {"fetch missing collateral (SNP VCEK from AMD KDS; TDX/SGX TCB Info, QE Identity",
                "and CRLs from Intel PCS or a PCCS) and cache it; off by default: verification is offline"})
        boolean fetch;
        @Option(names = "--kds", defaultValue = "https://kdsintf.amd.com", description = "AMD KDS base URL")
        java.net.URI kds;
        @Option(names = "--pcs", defaultValue = "https://api.trustedservices.intel.com", description = "Intel PCS or PCCS base URL")
        java.net.URI pcs;
        @Option(names = "--root-crl", defaultValue = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der",
                description = "Intel SGX Root CA CRL URL")
        java.net.URI rootCrl;
        @Option(names = "--cache", description = "collateral cache directory (default ~/.cache/veil/collateral)")
        Path cacheDir;
        @Option(names = "--refresh", description = "fetch again even when the cache has the collateral")
        boolean refresh;
        @Option(names = "--snp-product", description = "Milan, Genoa or Turin, for SNP reports older than v3 (needed by --fetch)")
        String snpProduct;

        @Override
        public Integer call() throws Exception {
            Platform p;
            try {
                p = Platform.fromId(platform);
            } catch (IllegalArgumentException e) {
                throw new CliFailure(e.getMessage());
            }
            Instant when;
            try {
                when = at == null ? Instant.now() : Instant.parse(at);
            } catch (DateTimeParseException e) {
                throw new CliFailure("--at '" + at + "' is not an ISO-8601 instant such as 2025-06-01T00:00:00Z");
            }
            List<byte[]> blobs = new ArrayList<>();
            for (Path c : certs) {
                blobs.add(Files.readAllBytes(c));
            }
            if (collateral != null) {
                if (!Files.isDirectory(collateral)) {
                    throw new CliFailure("--collateral " + collateral + " is not a directory");
                }
                try (Stream<Path> files = Files.walk(collateral, 2)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        blobs.add(Files.readAllBytes(f));
                    }
                }
            }
            ReferenceValues rv = policy == null ? ReferenceValues.defaults(p) : readPolicy(policy, p);
            if (allowDebug) {
                rv = rv.withAllowDebug(true);
            }
            byte[] bytes = EvidenceEncoding.decode(Files.readAllBytes(evidence));
            if (fetch) {
                Path dir = cacheDir != null ? cacheDir : Path.of(System.getProperty("user.home"), ".cache", "veil", "collateral");
                try {
                    blobs.addAll(new dev.veil.collateral.CollateralFetcher(
                            new dev.veil.collateral.CollateralFetcher.Endpoints(kds, pcs, rootCrl), dir, refresh)
                            .fetch(p, bytes, snpProduct));
                } catch (java.io.IOException e) {
                    throw new CliFailure(e.getMessage());
                }
            }
            if (p == Platform.SIM) {
                System.err.println(Simulation.BANNER);
            }
            Claims claims;
            try {
                claims = Verifiers.forPlatform(p).verify(bytes, new VerificationOptions(when, blobs));
            } catch (AttestationException e) {
                System.out.println(JsonOut.pretty(JsonOut.fields("platform", p.id(), "verified", false,
                        "verification_time", when.toString(),
                        "failures", e.failures().stream().map(ClaimFailure::toString).toList())));
                throw e;
            }
            List<PolicyCheck> checks = new ArrayList<>(policy == null ? rv.platformChecks(claims) : rv.evaluate(claims));
            if (reportData != null) {
                checks.add(reportDataCheck(claims));
            }
            List<PolicyCheck> failed = PolicyCheck.failures(checks);
            Map<String, Object> out = JsonOut.fields("platform", p.id(), "verified", failed.isEmpty(),
                    "signatures_and_chain", "verified", "verification_time", when.toString(),
                    "policy", policy == null ? "safe defaults (docs/POLICY.md); measurement not pinned" : policy.toString(),
                    "waivers", rv.relaxations(),
                    "measurement", claims.measurementHex(), "report_data", claims.reportDataHex(), "debug", claims.debug(),
                    "claims", claims.byName(), "checks", checks,
                    "failures", failed.stream().map(f -> f.claim() + " is " + f.found() + ", expected " + f.expected()).toList());
            System.out.println(JsonOut.pretty(out));
            if (!failed.isEmpty() && !dryRun) {
                PolicyCheck f = failed.get(0);
                throw new CliFailure("evidence verified but fails the " + (policy == null ? "default policy" : "policy") + ": "
                        + f.claim() + " is " + f.found() + ", expected " + f.expected()
                        + (failed.size() > 1 ? " (and " + (failed.size() - 1) + " more)" : ""));
            }
            return ExitCodes.OK;
        }

        private PolicyCheck reportDataCheck(Claims claims) throws CliFailure {
            byte[] expected;
            try {
                expected = HexFormat.of().parseHex(reportData.strip());
            } catch (IllegalArgumentException e) {
                throw new CliFailure("--report-data is not hex");
            }
            return new PolicyCheck("report_data", claims.reportDataHex(), HexFormat.of().formatHex(expected),
                    MessageDigest.isEqual(claims.reportData(), expected));
        }

        /** A policy file: the reference-value format of docs/POLICY.md, strict, with its platform matching --platform. */
        private static ReferenceValues readPolicy(Path file, Platform p) throws Exception {
            String what = "policy file " + file.getFileName();
            ReferenceValues rv = Json.parse(Files.readAllBytes(file), ReferenceValues.class, what);
            if (rv.platform() != p) {
                throw new CliFailure(what + " is for platform " + rv.platform() + " but --platform is " + p);
            }
            List<String> problems = rv.problems();
            if (!problems.isEmpty()) {
                throw new CliFailure(what + ": " + problems.get(0)
                        + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : ""));
            }
            return rv;
        }
    }
}
