package dev.veil.collateral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.security.auth.module.UnixSystem;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the cache holds is the verifier's own collateral, which takes precedence over the host's: whoever can write
 * the cache can put an older genuine CRL or TCB Info there (still within its window, from before a revocation or a
 * TCB recovery) and it wins. The cache refused a directory others could write to, but not one another user owns with
 * mode 0755: its owner writes it freely (for instance a --cache path under /tmp that another local user created
 * first, or a symbolic link to a directory of theirs). Such a directory is now refused.
 */
class ForeignOwnedCacheDirectoryAttackTest {
    static final URI U = URI.create("https://pcs.example/sgx/certification/v4/pckcrl?ca=platform&encoding=der");
    @TempDir
    Path dir;

    /** A directory, not writable by group or others, that belongs to another user. */
    Path foreignOwned() throws Exception {
        if (new UnixSystem().getUid() != 0) {
            return Path.of("/");   // root's; the test runs as someone else
        }
        Path d = Files.createDirectory(dir.resolve("theirs"), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Files.setAttribute(d, "unix:uid", 65534);   // nobody
        return d;
    }

    @Test
    void directoryOwnedByAnotherUserIsRefused() throws Exception {
        Path theirs = foreignOwned();
        assertThatThrownBy(() -> new CollateralCache(theirs)).hasMessageContaining("is owned by another user");
    }

    @Test
    void symbolicLinkToAnotherUsersDirectoryIsRefused() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), foreignOwned());
        assertThatThrownBy(() -> new CollateralCache(link)).hasMessageContaining("is owned by another user");
    }

    @Test
    void ownDirectoryStillWorks() throws Exception {
        CollateralCache c = new CollateralCache(dir.resolve("mine"));
        c.write(U, new CollateralCache.Entry(new byte[] {1}, Optional.empty()));
        assertThat(c.read(U)).isPresent();
    }
}
