# Sourced by the scripts/gpu/run-*.sh scripts on a lent GPU machine without Node: unpacks the
# node binary and Dawn (the `webgpu` package) that scripts/gpu/build.mjs put in .gpu/ into
# $B (/tmp/gpu-node), once per machine. Returns non-zero (naming what failed) when an unpack fails.
B=/tmp/gpu-node
unxz() { xz -dc "$1" > "$2" 2>/dev/null || python3 -c 'import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2], "wb"))' "$1" "$2"; }
unpack_node() {
  mkdir -p $B/node_modules/webgpu/dist/linux-x64
  [ -x $B/node ] || { unxz .gpu/node.xz $B/node && chmod +x $B/node; } || { echo 'node: unpack failed'; return 1; }
  cp .gpu/node_modules/webgpu/{index.js,package.json} $B/node_modules/webgpu/
  [ -f $B/node_modules/webgpu/dist/linux-x64/dawn.node ] || unxz .gpu/node_modules/webgpu/dist/linux-x64/dawn.node.xz $B/node_modules/webgpu/dist/linux-x64/dawn.node || { echo 'dawn: unpack failed'; return 1; }
}
