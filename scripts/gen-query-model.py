#!/usr/bin/env python3
"""Generate a service's AWS Query-protocol model as compact C tables.

    scripts/gen-query-model.py sqs > broker/sqs_query_model.c

Reads botocore's service models (no botocore import needed, only its data
files): the Query-protocol model (old botocore, e.g. Debian's python3-botocore
1.29: it carries locationName, flattened and the awsQueryError codes) first,
then the newer model (SQS moved to JSON 1.0 in botocore >= 1.31) for the
operations, shapes, members and errors the old one lacks. Members that exist
only in the new model get their Query names from OVERRIDES (AWS's Smithy
model: xmlName / xmlFlattened), errors from QUERY_ERRORS (awsQueryError).

The output is committed: users' clones need no botocore. See
broker/query_model.h for the table layout and the naming rules (they are
botocore's QuerySerializer / QueryParser rules, resolved per member here).
"""
import gzip
import json
import os
import sys

SERVICES = {
    'sqs': {
        'symbol': 'query_model_sqs',
        'name': 'sqs',
        'version': '2012-11-05',
        'old': ['/usr/lib/python3/dist-packages/botocore/data/sqs/'
                '2012-11-05/service-2.json'],
        'new': ['/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/'
                'botocore/data/sqs/2012-11-05/service-2.json.gz'],
        # The request path names the queue for SDKs that post to the queue
        # URL without a QueueUrl parameter (AWS SDK for Java 1.x).
        'path_member': 'QueueUrl',
        # (shape, member) -> Query traits of members only the JSON model
        # has (from AWS's Smithy model for SQS).
        'overrides': {
            ('ReceiveMessageRequest', 'MessageSystemAttributeNames'):
                {'locationName': 'AttributeName', 'flattened': True},
            ('ListMessageMoveTasksResult', 'Results'):
                {'locationName': 'ListMessageMoveTasksResultEntry',
                 'flattened': True},
        },
        # JSON error name -> (Query code, HTTP status) for errors the old
        # model lacks or leaves without an "error" trait (Smithy
        # awsQueryError).
        'query_errors': {
            'InvalidAddress': ('InvalidAddress', 404),
            'InvalidSecurity': ('InvalidSecurity', 403),
            'KmsAccessDenied': ('KMS.AccessDeniedException', 400),
            'KmsDisabled': ('KMS.DisabledException', 400),
            'KmsInvalidKeyUsage': ('KMS.InvalidKeyUsageException', 400),
            'KmsInvalidState': ('KMS.InvalidStateException', 400),
            'KmsNotFound': ('KMS.NotFoundException', 400),
            'KmsOptInRequired': ('KMS.OptInRequired', 403),
            'KmsThrottled': ('KMS.ThrottlingException', 400),
            'ReceiptHandleIsInvalid': ('ReceiptHandleIsInvalid', 404),
            'RequestThrottled': ('RequestThrottled', 403),
            'ResourceNotFoundException': ('ResourceNotFoundException', 404),
        },
    },
}

SCALARS = {'string': 'QT_STRING', 'integer': 'QT_INTEGER', 'long': 'QT_LONG',
           'boolean': 'QT_BOOLEAN', 'blob': 'QT_BLOB',
           'timestamp': 'QT_TIMESTAMP', 'double': 'QT_DOUBLE',
           'float': 'QT_DOUBLE'}


def load(paths):
    for p in paths:
        if os.path.exists(p):
            opener = gzip.open if p.endswith('.gz') else open
            with opener(p, 'rt') as f:
                return json.load(f)
    sys.exit('gen-query-model: none of %s exists' % paths)


def merge(old, new, cfg):
    """Old (Query) model first; the new model adds what the old lacks."""
    shapes = {k: json.loads(json.dumps(v)) for k, v in old['shapes'].items()}
    ops = dict(old['operations'])
    for k, v in new['shapes'].items():
        if k not in shapes:
            shapes[k] = json.loads(json.dumps(v))
        elif v['type'] == 'structure' and shapes[k]['type'] == 'structure':
            for m, ref in v['members'].items():
                if m not in shapes[k]['members']:
                    shapes[k]['members'][m] = dict(ref)
    for (s, m), traits in cfg['overrides'].items():
        shapes[s]['members'][m].update(traits)
    for k, v in new['operations'].items():
        if k not in ops:
            v = dict(v)
            if 'output' in v:
                v['output'] = dict(v['output'],
                                   resultWrapper=k + 'Result')
            ops[k] = v
    return shapes, ops


def cstr(s):
    return 'NULL' if s is None else '"%s"' % s


def generate(key):
    cfg = SERVICES[key]
    old, new = load(cfg['old']), load(cfg['new'])
    shapes, ops = merge(old, new, cfg)
    meta = old['metadata']

    order = []  # shape names in table order
    index = {}
    scalar_index = {}

    def shape_id(name):
        s = shapes[name]
        t = s['type']
        if t in SCALARS:
            c = SCALARS[t]
            if c not in scalar_index:
                scalar_index[c] = len(order)
                order.append(('scalar', c))
            return scalar_index[c]
        if name in index:
            return index[name]
        index[name] = len(order)
        order.append(('shape', name))
        if t == 'structure':
            for ref in s['members'].values():
                shape_id(ref['shape'])
        elif t == 'list':
            shape_id(s['member']['shape'])
        elif t == 'map':
            shape_id(s['key']['shape'])
            shape_id(s['value']['shape'])
        else:
            sys.exit('gen-query-model: unknown type %s of %s' % (t, name))
        return index[name]

    op_rows = []
    for op in sorted(ops):
        o = ops[op]
        i = shape_id(o['input']['shape']) if 'input' in o else None
        out = shape_id(o['output']['shape']) if 'output' in o else None
        wrapper = o.get('output', {}).get('resultWrapper')
        op_rows.append((op, i, out, wrapper))

    members = []
    shape_rows = []
    for kind, name in order:
        if kind == 'scalar':
            shape_rows.append(('{%s, false, 0, 0, 0, 0, NULL, NULL}' % name,
                               name[3:].lower()))
            continue
        s = shapes[name]
        t = s['type']
        if t == 'structure':
            first = len(members)
            for m, ref in s['members'].items():
                target = shapes[ref['shape']]
                qname = (ref.get('locationName') or
                         target.get('locationName') or m)
                flat = bool(ref.get('flattened') or target.get('flattened'))
                members.append((m, qname, shape_id(ref['shape']), flat))
            shape_rows.append(('{QT_STRUCT, false, %d, %d, 0, 0, NULL, NULL}'
                               % (first, len(members) - first), name))
        elif t == 'list':
            m = s['member']
            mname = (m.get('locationName') or
                     shapes[m['shape']].get('locationName'))
            shape_rows.append(('{QT_LIST, %s, 0, 0, %d, 0, %s, NULL}' % (
                'true' if s.get('flattened') else 'false',
                shape_id(m['shape']), cstr(mname)), name))
        else:
            k, v = s['key'], s['value']
            shape_rows.append(('{QT_MAP, %s, 0, 0, %d, %d, %s, %s}' % (
                'true' if s.get('flattened') else 'false',
                shape_id(k['shape']), shape_id(v['shape']),
                cstr(k.get('locationName') or 'key'),
                cstr(v.get('locationName') or 'value')), name))

    errors = []
    for name in sorted(shapes):
        s = shapes[name]
        if not s.get('exception'):
            continue
        e = s.get('error')
        if e and e.get('code'):
            code, status = e['code'], e.get('httpStatusCode', 400)
            sender = e.get('senderFault', True)
        elif name in cfg['query_errors']:
            code, status = cfg['query_errors'][name]
            sender = status < 500
        else:
            code, status, sender = name, 400, True
        errors.append((name, code, status, sender))

    sym = cfg['symbol']
    w = sys.stdout.write
    w('/* Generated by scripts/gen-query-model.py %s from botocore\'s %s\n'
      ' * models (Query model first, JSON model for what it lacks). Do not\n'
      ' * edit; regenerate. */\n' % (key, meta.get('serviceId', key)))
    w('#include "query_model.h"\n\n')
    w('static const struct query_member %s_members[] = {\n' % key)
    for i, (m, q, sid, flat) in enumerate(members):
        w('\t/* %d */ {"%s", %s, %d, %s},\n' % (
            i, m, cstr(None if q == m else q), sid,
            'true' if flat else 'false'))
    w('};\n\n')
    w('static const struct query_shape %s_shapes[] = {\n' % key)
    for i, (row, name) in enumerate(shape_rows):
        w('\t/* %d %s */ %s,\n' % (i, name, row))
    w('};\n\n')
    w('static const struct query_operation %s_operations[] = {\n' % key)
    for op, i, out, wrapper in op_rows:
        w('\t{"%s", %s, %s, %s},\n' % (
            op, 'QUERY_NO_SHAPE' if i is None else i,
            'QUERY_NO_SHAPE' if out is None else out, cstr(wrapper)))
    w('};\n\n')
    w('static const struct query_error %s_errors[] = {\n' % key)
    for name, code, status, sender in errors:
        w('\t{"%s", "%s", %d, %s},\n' % (name, code, status,
                                          'true' if sender else 'false'))
    w('};\n\n')
    w('const struct query_service %s = {\n' % sym)
    w('\t.name = "%s",\n' % cfg['name'])
    w('\t.version = "%s",\n' % cfg['version'])
    w('\t.xml_namespace = "%s",\n' % meta['xmlNamespace'])
    w('\t.path_member = %s,\n' % cstr(cfg.get('path_member')))
    for part in ('members', 'shapes', 'operations', 'errors'):
        w('\t.%s = %s_%s,\n' % (part, key, part))
        w('\t.n_%s = sizeof(%s_%s) / sizeof(%s_%s[0]),\n' % (
            part, key, part, key, part))
    w('};\n')


if __name__ == '__main__':
    if len(sys.argv) != 2 or sys.argv[1] not in SERVICES:
        sys.exit('usage: gen-query-model.py {%s}' % ','.join(SERVICES))
    generate(sys.argv[1])
