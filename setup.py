"""The optional C extension only; pyproject.toml holds everything else.

cape_udfs._hmac_native (cape_udfs/_native/) hashes a whole Arrow batch with the
interpreter lock released. It is optional: without a C compiler the install
still succeeds and cape uses its pure-Python HMAC (same bytes, slower; the dbt
plugin says so in one warning line). SHA-256 comes from OpenSSL's libcrypto when
its headers are found here at build time (Debian: libssl-dev), else from a small
portable C implementation; CAPE_SHA256=portable forces the latter.
"""
import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

NATIVE = "cape_udfs/_native"
# Where OpenSSL's headers usually live: the compiler's default path, then Homebrew's.
OPENSSL_PREFIXES = ("/usr", "/usr/local", "/opt/homebrew/opt/openssl@3", "/usr/local/opt/openssl@3")
DEFAULT_INCLUDES = ("/usr/include", "/usr/local/include")


def openssl_prefix():
    if os.environ.get("CAPE_SHA256", "").strip().lower() == "portable":
        return None
    extra = [os.environ["OPENSSL_DIR"]] if os.environ.get("OPENSSL_DIR") else []
    return next((p for p in [*extra, *OPENSSL_PREFIXES] if Path(p, "include", "openssl", "sha.h").is_file()), None)


def hmac_extension():
    ext = Extension("cape_udfs._hmac_native", sources=[f"{NATIVE}/hmac_sha256.c"],
                    depends=[f"{NATIVE}/sha256_portable.h"], optional=True)
    prefix = openssl_prefix()
    if prefix is not None:
        ext.define_macros.append(("CAPE_HAVE_OPENSSL", "1"))
        ext.libraries.append("crypto")
        include = str(Path(prefix, "include"))
        if include not in DEFAULT_INCLUDES:
            ext.include_dirs.append(include)
            ext.library_dirs.append(str(Path(prefix, "lib")))
    return ext


class BuildExt(build_ext):
    """Headers without a linkable libcrypto (or a broken one) fall back to the
    portable SHA-256 instead of to no extension at all."""

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception:
            if ("CAPE_HAVE_OPENSSL", "1") not in ext.define_macros:
                raise
            print("cape-udfs: building with OpenSSL failed; retrying with the portable SHA-256")
            ext.define_macros.remove(("CAPE_HAVE_OPENSSL", "1"))
            ext.libraries.remove("crypto")
            ext.include_dirs.clear()
            ext.library_dirs.clear()
            super().build_extension(ext)


setup(ext_modules=[hmac_extension()], cmdclass={"build_ext": BuildExt})
