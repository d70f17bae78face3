#!/usr/bin/env python3
"""Write a pruned FileDescriptorSet of Milvus's gRPC API, for protoc --descriptor_set_in.

Source: the compiled protos that pymilvus ships in pymilvus/grpc_gen/*_pb2 (no .proto
sources or comments ship, so the generated Swift has no doc comments). Expects
pymilvus==3.0.2 (regenerate.sh pins it); a different version gives a different API
surface and different generated code. pymilvus 3.0.2's protos only add to 2.6's, so
the client built from them also talks to Milvus 2.3/2.6 and Milvus Lite servers
(RPCs an older server lacks answer UNIMPLEMENTED).

Why pruned: MilvusService has 144 RPCs; generating all of it is ~53,600 lines of Swift
that take ~27 s to recompile on a 2-core machine (the explorer needs a small part).
This script keeps only the RPCs in RPCS below plus every message and enum they reach
(transitively), plus EXTRA_ROOTS (messages that travel as serialized `bytes` inside
requests/replies, so nothing references them by type), which is about a quarter of the
code. To use another RPC, add it to RPCS and run regenerate.sh.

What else is dropped:
  * other services (ClientTelemetryService, ProxyService) and files left empty;
  * the custom options `milvus.proto.common.privilege_ext_obj` (on MessageOptions) and
    `milvus.proto.milvus.milvus_ext_obj` (on FileOptions), which only the server uses.
    With them gone nothing imports google/protobuf/descriptor.proto, so the set does not
    contain it (SwiftProtobuf ships its own Google_Protobuf_* types anyway).

Files are written dependencies first. Usage: write_descriptors.py OUT.desc
Prints the kept file names (one a line) on stdout, which regenerate.sh hands to protoc.
"""

import sys

from google.protobuf import descriptor_pb2, descriptor_pool

# Importing milvus_pb2 imports (and so registers) all its dependencies.
from pymilvus.grpc_gen import common_pb2, feder_pb2, milvus_pb2, msg_pb2, rg_pb2, schema_pb2  # noqa: F401

EXPECTED_PYMILVUS = "3.0.2"

SERVICE = "milvus.proto.milvus.MilvusService"

# The RPCs the Milvus adapter calls (keep this list sorted by area, not alphabetically).
RPCS = [
    # server
    "GetVersion", "CheckHealth", "Connect",
    # databases
    "ListDatabases", "CreateDatabase", "DropDatabase",
    # collections
    "ShowCollections", "HasCollection", "DescribeCollection", "CreateCollection",
    "DropCollection", "RenameCollection", "GetCollectionStatistics",
    "GetLoadState", "GetLoadingProgress", "LoadCollection", "ReleaseCollection",
    # partitions
    "ShowPartitions", "HasPartition", "CreatePartition", "DropPartition",
    "GetPartitionStatistics",
    # indexes
    "CreateIndex", "DescribeIndex", "DropIndex", "GetIndexBuildProgress", "GetIndexState",
    # data
    "Insert", "Upsert", "Delete", "Query", "Search", "Flush", "GetFlushState",
]

# Messages that no kept field names by type, because they travel as serialized bytes
# (CreateCollectionRequest.schema, SearchRequest.placeholder_group), or that the adapter
# decodes on its own.
EXTRA_ROOTS = [
    "milvus.proto.schema.CollectionSchema",
    "milvus.proto.common.PlaceholderGroup",
    "milvus.proto.common.PlaceholderValue",
    "milvus.proto.schema.SearchResultData",
]

MODULES = [common_pb2, schema_pb2, rg_pb2, feder_pb2, msg_pb2, milvus_pb2]


def check_version():
    try:
        from importlib.metadata import version
        found = version("pymilvus")
    except Exception:  # pragma: no cover - metadata missing
        found = "unknown"
    if found != EXPECTED_PYMILVUS:
        print(f"write_descriptors.py: warning: pymilvus {found} found, {EXPECTED_PYMILVUS} expected",
              file=sys.stderr)


def file_protos():
    """FileDescriptorProtos of the Milvus files, dependencies first (topological order)."""
    by_name = {}
    for module in MODULES:
        fp = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(fp)
        by_name[fp.name] = fp
    ordered, seen = [], set()

    def visit(name):
        if name in seen or name not in by_name:  # descriptor.proto is not ours
            return
        seen.add(name)
        for dep in by_name[name].dependency:
            visit(dep)
        ordered.append(by_name[name])

    for name in by_name:
        visit(name)
    return ordered


def index_types(files):
    """Map every message/enum full name (no leading dot) to (file name, top-level name)."""
    owner = {}

    def walk_msg(fname, prefix, top, msg):
        full = f"{prefix}.{msg.name}"
        owner[full] = (fname, top)
        for nested in msg.nested_type:
            walk_msg(fname, full, top, nested)
        for enum in msg.enum_type:
            owner[f"{full}.{enum.name}"] = (fname, top)

    for fp in files:
        for msg in fp.message_type:
            walk_msg(fp.name, fp.package, msg.name, msg)
        for enum in fp.enum_type:
            owner[f"{fp.package}.{enum.name}"] = (fp.name, enum.name)
    return owner


def field_refs(msg):
    """Type names (no leading dot) that a message and its nested messages refer to."""
    refs = []
    for field in msg.field:
        if field.type_name:
            refs.append(field.type_name.lstrip("."))
    for nested in msg.nested_type:
        refs.extend(field_refs(nested))
    return refs


def is_repeated(fd):
    # protobuf >= 5.28 has is_repeated; protobuf 7 (which pymilvus 3.0.2 installs) removed label.
    if hasattr(fd, "is_repeated"):
        return fd.is_repeated
    return fd.label == fd.LABEL_REPEATED


def strip_extensions(message):
    """Remove custom-option extensions everywhere (they need descriptor.proto) and empty options."""
    for fd, value in message.ListFields():
        if fd.is_extension:
            message.ClearExtension(fd)
        elif fd.message_type is not None:
            items = value if is_repeated(fd) else [value]
            for item in items:
                strip_extensions(item)
            if fd.name == "options" and not is_repeated(fd) and value.ByteSize() == 0:
                message.ClearField(fd.name)
    message.DiscardUnknownFields()


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: write_descriptors.py OUT.desc")
    check_version()
    files = file_protos()
    by_file = {fp.name: fp for fp in files}
    owner = index_types(files)
    tops = {}  # (file, top-level name) -> DescriptorProto / EnumDescriptorProto
    for fp in files:
        for msg in fp.message_type:
            tops[(fp.name, msg.name)] = msg
        for enum in fp.enum_type:
            tops[(fp.name, enum.name)] = enum

    milvus = by_file["milvus.proto"]
    service = next(s for s in milvus.service if f"{milvus.package}.{s.name}" == SERVICE)
    methods = {m.name: m for m in service.method}
    missing = [r for r in RPCS if r not in methods]
    if missing:
        sys.exit(f"write_descriptors.py: not in {SERVICE}: {', '.join(missing)}")

    roots = list(EXTRA_ROOTS)
    for name in RPCS:
        roots += [methods[name].input_type.lstrip("."), methods[name].output_type.lstrip(".")]

    # Transitive closure, at the granularity of top-level types: a nested type keeps its
    # top-level parent whole (nested messages and enums included).
    keep, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in owner:
            sys.exit(f"write_descriptors.py: unknown type {name}")
        key = owner[name]
        if key in keep:
            continue
        keep.add(key)
        top = tops[key]
        if isinstance(top, descriptor_pb2.DescriptorProto):
            todo.extend(field_refs(top))

    out = descriptor_pb2.FileDescriptorSet()
    for fp in files:
        pruned = descriptor_pb2.FileDescriptorProto()
        pruned.CopyFrom(fp)
        del pruned.message_type[:]
        del pruned.enum_type[:]
        del pruned.service[:]
        del pruned.extension[:]
        pruned.message_type.extend(m for m in fp.message_type if (fp.name, m.name) in keep)
        pruned.enum_type.extend(e for e in fp.enum_type if (fp.name, e.name) in keep)
        if fp.name == "milvus.proto":
            svc = pruned.service.add()
            svc.CopyFrom(service)
            del svc.method[:]
            wanted = set(RPCS)
            svc.method.extend(m for m in service.method if m.name in wanted)  # proto order
        if not (pruned.message_type or pruned.enum_type or pruned.service):
            continue
        strip_extensions(pruned)
        # Dependencies: only the files whose types this file still refers to.
        used = set()
        for msg in pruned.message_type:
            used.update(owner[r][0] for r in field_refs(msg))
        for svc in pruned.service:
            for m in svc.method:
                used.add(owner[m.input_type.lstrip(".")][0])
                used.add(owner[m.output_type.lstrip(".")][0])
        used.discard(fp.name)
        deps = [d for d in fp.dependency if d in used]
        del pruned.dependency[:]
        pruned.dependency.extend(deps)
        del pruned.public_dependency[:]
        del pruned.weak_dependency[:]
        pruned.ClearField("source_code_info")
        out.file.append(pruned)

    # Self-check: the set must load on its own (every type resolves, no descriptor.proto).
    pool = descriptor_pool.DescriptorPool()
    for fp in out.file:
        pool.Add(fp)
    for fp in out.file:
        pool.FindFileByName(fp.name)
    for root in EXTRA_ROOTS:
        pool.FindMessageTypeByName(root)

    with open(sys.argv[1], "wb") as f:
        f.write(out.SerializeToString())
    kept_msgs = sum(len(fp.message_type) for fp in out.file)
    all_msgs = sum(len(fp.message_type) for fp in files)
    print(f"write_descriptors.py: {len(RPCS)} of {len(service.method)} RPCs, "
          f"{kept_msgs} of {all_msgs} top-level messages, {out.ByteSize()} bytes",
          file=sys.stderr)
    for fp in out.file:
        print(fp.name)


if __name__ == "__main__":
    main()
