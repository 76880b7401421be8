#!/usr/bin/env bash
# Builds poet with Maven and installs the `poet` command.
#
#   ./install.sh                 installs to ~/.local (bin/poet, lib/poet/, shell completion)
#   ./install.sh --demo          ... and then runs `poet demo` in ./poet-demo (poet's main job on a sample)
#   PREFIX=/opt/poet ./install.sh
#
# Safe to run again: it replaces the launcher and removes jars and archives of older builds.
# For fast start-up it also builds a class-data-sharing archive for the installed JVM, named
# after the jar's hash (Java 17 silently ignores an archive made for another jar).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
demo=
for arg in "$@"; do
    case "$arg" in
        --demo) demo=1 ;;
        *) echo "install.sh: unknown option $arg (use --demo, or PREFIX=... in the environment)" >&2; exit 2 ;;
    esac
done
prefix="${PREFIX:-$HOME/.local}"
bin="$prefix/bin"
lib="$prefix/lib/poet"
completion_dir="$prefix/share/bash-completion/completions"
zsh_dir="$prefix/share/zsh/site-functions"
fish_dir="$prefix/share/fish/vendor_completions.d"
man_dir="$prefix/share/man/man1"

die() { echo "install.sh: $*" >&2; exit 1; }
command -v mvn >/dev/null 2>&1 || die "Maven (mvn) is needed to build poet; install it, e.g. 'apt-get install maven'"
# The JVM poet runs on: $JAVA_HOME's if set, else the java on the PATH.
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then java_bin="$JAVA_HOME/bin/java"; else java_bin="$(command -v java || true)"; fi
[ -n "$java_bin" ] || die "a Java 17 or newer runtime is needed; install it, e.g. 'apt-get install openjdk-17-jdk-headless'"
java_bin="$(readlink -f "$java_bin")"
java_major="$("$java_bin" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[ "${java_major:-0}" -ge 17 ] 2>/dev/null || die "Java 17 or newer is needed; $java_bin is Java ${java_major:-unknown}"

echo "Building poet with Maven..." >&2
build_log="$(mktemp)"
if ! (cd "$here" && mvn -q -B -Dstyle.color=never -DskipTests package) >"$build_log" 2>&1; then
    cat "$build_log" >&2
    rm -f "$build_log"
    die "the Maven build failed (output above)"
fi
rm -f "$build_log"

sha="$(sha256sum "$here/target/poet.jar" | cut -c1-16)"
jar="$lib/poet-$sha.jar"
jsa="$lib/poet-$sha-java$java_major.jsa"
aot="$lib/poet-$sha-java$java_major.aot"
mkdir -p "$bin" "$lib" "$completion_dir" "$zsh_dir" "$fish_dir" "$man_dir"
if [ ! -f "$jar" ]; then
    cp "$here/target/poet.jar" "$jar.tmp.$$" && mv -f "$jar.tmp.$$" "$jar"
fi
for old in "$lib"/poet-*.jar "$lib"/poet-*.jsa "$lib"/poet-*.aot; do
    case "$old" in "$jar"|"$jsa"|"$aot"|"$lib/poet-*."*) ;; *) rm -f "$old" ;; esac
done

# Java 25 and later: an ahead-of-time cache (classes loaded and linked, lambda forms, profiles)
# from a training run; older JVMs: a class-data-sharing archive. Both named after the jar's hash.
share=""
if [ "$java_major" -ge 25 ] && [ ! -f "$aot" ]; then
    echo "Building the ahead-of-time cache for $java_bin..." >&2
    if "$java_bin" -XX:AOTCacheOutput="$aot.tmp.$$" -Xlog:aot=off -Xlog:cds=off -cp "$jar" dev.poet.cli.CdsTraining \
            >/dev/null 2>&1 && [ -f "$aot.tmp.$$" ]; then
        mv -f "$aot.tmp.$$" "$aot"
    else
        rm -f "$aot.tmp.$$"
        echo "install.sh: could not build the AOT cache; falling back to a class-data-sharing archive" >&2
    fi
fi
if [ -f "$aot" ]; then
    share="-XX:AOTCache=$aot -Xlog:aot=off -Xlog:cds=off"
elif [ ! -f "$jsa" ]; then
    # A static archive of the JDK's default class list plus every class the training run loads
    # (and the lambda forms it links, which a dynamic archive on top of the JDK's cannot hold).
    echo "Building the class-data-sharing archive for $java_bin..." >&2
    classlist="$lib/poet-$sha.classlist.tmp.$$"
    java_home="$(dirname "$(dirname "$java_bin")")"
    if [ -f "$java_home/lib/classlist" ]; then cp "$java_home/lib/classlist" "$classlist"; else : >"$classlist"; fi
    if "$java_bin" -Xshare:off -XX:DumpLoadedClassList="$classlist.training" -cp "$jar" dev.poet.cli.CdsTraining \
            >/dev/null 2>&1 && cat "$classlist.training" >>"$classlist" \
            && "$java_bin" -Xshare:dump -XX:SharedClassListFile="$classlist" -XX:SharedArchiveFile="$jsa.tmp.$$" \
                -Xlog:cds=off -Xlog:cds+heap=off -cp "$jar" >/dev/null 2>&1 && [ -f "$jsa.tmp.$$" ]; then
        mv -f "$jsa.tmp.$$" "$jsa"
    else
        rm -f "$jsa.tmp.$$"
        echo "install.sh: could not build the archive; poet will work, but start more slowly" >&2
    fi
    rm -f "$classlist" "$classlist.training"
fi
[ -n "$share" ] || share="-Xshare:auto -XX:SharedArchiveFile=$jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
# The short commands map the archive at the address it was built for instead of a random one
# (~5 ms less than relocating it; the JVM still relocates when that address is taken). Long-running
# ones, `poet serve` among them, keep the JVM's default, address randomisation. Only if this JVM
# has the switch.
fixed=
if "$java_bin" -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0 -Xshare:auto -Xlog:cds=off -version \
        >/dev/null 2>&1; then
    fixed=" -XX:+UnlockDiagnosticVMOptions -XX:ArchiveRelocationMode=0"
fi

cat > "$bin/poet.tmp.$$" <<LAUNCHER
#!/bin/sh
# poet launcher, written by install.sh from $here. Reinstall to update.
jar='$jar'
# Short-lived commands run with C1 only (no time to gain from C2) and map the class-data archive at a
# fixed address; long-running ones keep the full JIT and the JVM's address randomisation.
# POET_JAVA_OPTS comes last, so it can override any of these (e.g. -Xmx2g for a very large store).
# G1 stays: with it, Java 17 maps the archived module graph instead of building it (~10 ms).
jit=
skip=
for a in "\$@"; do
    if [ -n "\$skip" ]; then skip=; continue; fi
    case "\$a" in
        --store) skip=1 ;;
        -*) ;;
        record|feedback|status|events|init|completion|__complete) jit="-XX:TieredStopAtLevel=1 -XX:-UsePerfData$fixed"; break ;;
        # Batch commands: the throughput collector (G1's concurrent threads compete with the workers on
        # small machines) and a heap that keeps correlating a million events under 1 GiB of memory.
        # correlate and sweep also run with C1 only: C2 spent 4 s of CPU compiling in a 4 s run of
        # 100,000 events on 2 cores, and ran no faster at a million (docs/performance.md).
        correlate|sweep) jit="-XX:TieredStopAtLevel=1 -XX:+UseParallelGC -Xmx768m"; break ;;
        learn|analyze) jit="-XX:+UseParallelGC -Xmx768m"; break ;;
        # A server out of memory may answer nothing yet keep listening: exit at once (code 3) instead,
        # for the supervisor to restart it (docs/security.md has a systemd unit).
        serve) jit="-XX:+ExitOnOutOfMemoryError"; break ;;
        *) break ;;
    esac
done
exec '$java_bin' $share \$jit \$POET_JAVA_OPTS -cp "\$jar" dev.poet.cli.Main "\$@"
LAUNCHER
chmod 755 "$bin/poet.tmp.$$"
mv -f "$bin/poet.tmp.$$" "$bin/poet"
cp "$here/completions/poet.bash" "$completion_dir/poet"
cp "$here/completions/_poet" "$zsh_dir/_poet"
cp "$here/completions/poet.fish" "$fish_dir/poet.fish"
cp "$here"/docs/man/*.1 "$man_dir/"

echo "Installed poet $("$bin/poet" --version | head -1 | cut -d' ' -f2) to $bin/poet"
echo "  jar and archive: $lib"
echo "  completion: $completion_dir/poet (bash), $zsh_dir/_poet (zsh), $fish_dir/poet.fish (fish)"
echo "  man pages:  $man_dir (man poet, man poet-learn, ...)"
case ":$PATH:" in
    *":$bin:"*) ;;
    *) echo "  note: $bin is not on your PATH; add it, e.g. export PATH=\"$bin:\$PATH\"" ;;
esac

if [ -n "$demo" ]; then
    echo
    echo "Running poet demo..."
    "$bin/poet" demo
fi
