#!/usr/bin/python3
"""Check the Query codec (broker/http_query.c) against botocore.

Not run by meson: the unit test embeds vectors this script produced, so it
needs neither Python nor botocore. Run it after changing the codec or the
model:

    /usr/bin/python3 tests/unit/query_vectors.py [DRIVER] [--emit-c]

It compiles its driver (DRIVER_C below, with cc, jansson and ASan) unless
given one; --emit-c prints the vector tables of test_http_query.c.

(1) Requests: botocore's QuerySerializer (the Query model of Debian's
    python3-botocore 1.29) serializes a call of every operation with every
    kind of parameter; `drv decode` must give back the same JSON.
(2) Responses: `drv encode` renders JSON outputs as XML and botocore's
    QueryParser must parse them back to the same JSON; `drv error` renders
    errors that botocore must parse to the Query code.

The driver protocol: `drv decode [path [query]]` reads a form body on stdin
and prints {"action":..,"input":..} or {"error":..}; `drv encode SERVICE
ACTION` reads an output document on stdin and prints the XML; `drv error
SERVICE CODE MESSAGE SENDER(0|1)` prints the HTTP status, a newline and the
XML.
"""
import base64
import importlib.util
import json
import os
import subprocess
import sys
import tempfile

from botocore.awsrequest import AWSRequest
from botocore.model import ServiceModel
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

Q = 'https://sqs.us-east-1.amazonaws.com/000000000000/orders'
MA = {'a': {'DataType': 'String', 'StringValue': 'x & <y>'},
      'b': {'DataType': 'Binary', 'BinaryValue': b'\x00\x01bin'},
      'n': {'DataType': 'Number.int', 'StringValue': '42'},
      'l': {'DataType': 'String', 'StringListValues': ['s1', 's2'],
            'BinaryListValues': [b'b1', b'b2']}}
REQUESTS = [
    ('AddPermission', {'QueueUrl': Q, 'Label': 'l1',
                       'AWSAccountIds': ['111111111111', '222222222222'],
                       'Actions': ['SendMessage', 'ReceiveMessage']}),
    ('ChangeMessageVisibility', {'QueueUrl': Q, 'ReceiptHandle': 'rh+/=',
                                 'VisibilityTimeout': 0}),
    ('ChangeMessageVisibilityBatch', {'QueueUrl': Q, 'Entries': [
        {'Id': 'e1', 'ReceiptHandle': 'r1', 'VisibilityTimeout': 30},
        {'Id': 'e2', 'ReceiptHandle': 'r2'}]}),
    ('CreateQueue', {'QueueName': 'q.fifo', 'Attributes': {
        'FifoQueue': 'true', 'VisibilityTimeout': '45',
        'Policy': '{"Version":"2012-10-17"}'},
        'tags': {'team': 'a b', 'env': 'ü'}}),
    ('DeleteMessage', {'QueueUrl': Q, 'ReceiptHandle': 'r1'}),
    ('DeleteMessageBatch', {'QueueUrl': Q, 'Entries': [
        {'Id': 'a', 'ReceiptHandle': 'r1'}, {'Id': 'b', 'ReceiptHandle': 'r2'},
        {'Id': 'c', 'ReceiptHandle': 'r3'}]}),
    ('DeleteQueue', {'QueueUrl': Q}),
    ('GetQueueAttributes', {'QueueUrl': Q,
                            'AttributeNames': ['All', 'Policy']}),
    ('GetQueueAttributes', {'QueueUrl': Q, 'AttributeNames': []}),
    ('GetQueueUrl', {'QueueName': 'orders',
                     'QueueOwnerAWSAccountId': '000000000000'}),
    ('ListDeadLetterSourceQueues', {'QueueUrl': Q, 'NextToken': 't',
                                    'MaxResults': 10}),
    ('ListQueueTags', {'QueueUrl': Q}),
    ('ListQueues', {}),
    ('ListQueues', {'QueueNamePrefix': 'or', 'NextToken': 'n',
                    'MaxResults': 1000}),
    ('PurgeQueue', {'QueueUrl': Q}),
    ('ReceiveMessage', {'QueueUrl': Q, 'AttributeNames': ['All'],
                        'MessageAttributeNames': ['a', 'b.*'],
                        'MaxNumberOfMessages': 10, 'VisibilityTimeout': 5,
                        'WaitTimeSeconds': 20,
                        'ReceiveRequestAttemptId': 'att'}),
    ('RemovePermission', {'QueueUrl': Q, 'Label': 'l1'}),
    ('SendMessage', {'QueueUrl': Q, 'MessageBody': 'hé\r\n\t<&>"\'+%=',
                     'DelaySeconds': 5, 'MessageAttributes': MA,
                     'MessageSystemAttributes': {'AWSTraceHeader': {
                         'DataType': 'String', 'StringValue': 'Root=1'}},
                     'MessageDeduplicationId': 'd', 'MessageGroupId': 'g'}),
    ('SendMessageBatch', {'QueueUrl': Q, 'Entries': [
        {'Id': 'm1', 'MessageBody': 'one', 'DelaySeconds': 1,
         'MessageAttributes': {'a': MA['a'], 'l': MA['l']}},
        {'Id': 'm2', 'MessageBody': 'two',
         'MessageSystemAttributes': {'AWSTraceHeader': {
             'DataType': 'String', 'StringValue': 't'}},
         'MessageGroupId': 'g', 'MessageDeduplicationId': 'd'}]}),
    ('SetQueueAttributes', {'QueueUrl': Q, 'Attributes': {
        'DelaySeconds': '0', 'RedrivePolicy': '{"maxReceiveCount":"5"}'}}),
    ('TagQueue', {'QueueUrl': Q, 'Tags': {'k1': 'v1', 'k2': ''}}),
    ('UntagQueue', {'QueueUrl': Q, 'TagKeys': ['k1', 'k2']}),
    # Operations and members only the JSON model has (merged by the
    # generator with their Smithy Query names).
    ('StartMessageMoveTask', {'SourceArn': 'arn:aws:sqs:r:0:dlq',
                              'DestinationArn': 'arn:aws:sqs:r:0:q',
                              'MaxNumberOfMessagesPerSecond': 50}),
    ('ListMessageMoveTasks', {'SourceArn': 'arn:aws:sqs:r:0:dlq',
                              'MaxResults': 3}),
    ('CancelMessageMoveTask', {'TaskHandle': 'th'}),
    # Both go to AttributeName.N; the codec gives them to AttributeNames.
    ('ReceiveMessage', {'QueueUrl': Q, 'MessageSystemAttributeNames': [
        'SenderId', 'AWSTraceHeader']},
     {'QueueUrl': Q, 'AttributeNames': ['SenderId', 'AWSTraceHeader']}),
]

OUTPUTS = [
    ('SendMessage', {'MD5OfMessageBody': 'abc', 'MessageId': 'id-1',
                     'MD5OfMessageAttributes': 'def',
                     'SequenceNumber': '1'}),
    ('ReceiveMessage', {'Messages': [
        {'MessageId': 'm1', 'ReceiptHandle': 'rh', 'MD5OfBody': 'x',
         'Body': 'b <&> "q" \'a\'\r\nline\ttab é',
         'Attributes': {'SenderId': 'AID', 'SentTimestamp': '1',
                        'ApproximateReceiveCount': '2'},
         'MD5OfMessageAttributes': 'y',
         'MessageAttributes': {
             'a': {'DataType': 'String', 'StringValue': 'x'},
             'b': {'DataType': 'Binary', 'BinaryValue': 'AAFi'},
             'l': {'DataType': 'String', 'StringListValues': ['1', '2'],
                   'BinaryListValues': ['YjE=']}}},
        {'MessageId': 'm2', 'ReceiptHandle': 'rh2', 'Body': ''}]}),
    ('ReceiveMessage', {'Messages': []}),
    ('ReceiveMessage', {}),
    ('GetQueueAttributes', {'Attributes': {
        'QueueArn': 'arn:aws:sqs:us-east-1:000000000000:orders',
        'Policy': '{"a":"<b>"}', 'VisibilityTimeout': '30'}}),
    ('GetQueueUrl', {'QueueUrl': Q}),
    ('CreateQueue', {'QueueUrl': Q}),
    ('ListQueues', {'QueueUrls': [Q, Q + '2'], 'NextToken': 'nt'}),
    ('ListQueues', {'QueueUrls': [Q]}),
    ('ListDeadLetterSourceQueues', {'queueUrls': [Q]}),
    ('ListQueueTags', {'Tags': {'k': 'v', 'team': 'a&b'}}),
    ('SendMessageBatch', {
        'Successful': [{'Id': 'a', 'MessageId': 'm', 'MD5OfMessageBody': 'x'},
                       {'Id': 'b', 'MessageId': 'n', 'MD5OfMessageBody': 'y',
                        'SequenceNumber': '2'}],
        'Failed': [{'Id': 'c', 'SenderFault': True,
                    'Code': 'InvalidParameterValue', 'Message': 'bad'},
                   {'Id': 'd', 'SenderFault': False, 'Code': 'InternalError'}]}),
    ('DeleteMessageBatch', {'Successful': [{'Id': 'a'}],
                            'Failed': [{'Id': 'b', 'SenderFault': True,
                                        'Code': 'ReceiptHandleIsInvalid'}]}),
    ('ChangeMessageVisibilityBatch', {'Successful': [{'Id': 'a'}, {'Id': 'b'}],
                                      'Failed': []}),
    ('DeleteQueue', {}),
    ('PurgeQueue', None),
    ('StartMessageMoveTask', {'TaskHandle': 'th-1'}),
    ('CancelMessageMoveTask', {'ApproximateNumberOfMessagesMoved': 12}),
    ('ListMessageMoveTasks', {'Results': [
        {'TaskHandle': 'th', 'Status': 'RUNNING', 'SourceArn': 'arn:s',
         'DestinationArn': 'arn:d', 'MaxNumberOfMessagesPerSecond': 5,
         'ApproximateNumberOfMessagesMoved': 10,
         'ApproximateNumberOfMessagesToMove': 20,
         'StartedTimestamp': 1700000000000},
        {'Status': 'FAILED', 'SourceArn': 'arn:s', 'FailureReason': 'x'}]}),
]
ERRORS = [
    ('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue', 400),
    ('QueueNameExists', 'QueueAlreadyExists', 400),
    ('PurgeQueueInProgress', 'AWS.SimpleQueueService.PurgeQueueInProgress',
     403),
    ('InvalidParameterValue', 'InvalidParameterValue', 400),
    ('InternalError', 'InternalError', 500),
    ('ServiceUnavailable', 'ServiceUnavailable', 503),
    ('KmsThrottled', 'KMS.ThrottlingException', 400),
]


DRIVER_C = r'''#include "http_codec.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* drv decode  (stdin: body)  -> {"action":..,"input":..} or {"error":code,"message":..,"status":..}
 * drv encode SERVICE ACTION (stdin: json) -> xml
 * drv error SERVICE CODE MESSAGE SENDER -> xml + status line */
static char *slurp(size_t *n) {
	size_t cap = 1 << 20; char *b = malloc(cap); *n = fread(b, 1, cap - 1, stdin); b[*n] = 0; return b;
}
int main(int argc, char **argv) {
	size_t n; char *in;
	if (strcmp(argv[1], "decode") == 0) {
		in = slurp(&n);
		struct http_request_view r = {0};
		r.body = in; r.body_len = n; r.path = argc > 2 ? argv[2] : "/"; r.path_len = strlen(r.path);
		if (argc > 3) { r.query = argv[3]; r.query_len = strlen(argv[3]); }
		struct http_call_doc c; struct http_codec_error e;
		if (query_decode(&r, &c, &e) == 0) {
			json_t *o = json_pack("{s:s,s:s,s:o}", "service", c.service, "action", c.action, "input", c.input);
			char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT); puts(s); free(s); json_decref(o);
		} else {
			json_t *o = json_pack("{s:s,s:s,s:i}", "error", e.code, "message", e.message, "status", e.status);
			char *s = json_dumps(o, JSON_SORT_KEYS | JSON_COMPACT); puts(s); free(s); json_decref(o);
		}
		free(in);
	} else if (strcmp(argv[1], "encode") == 0) {
		in = slurp(&n);
		json_error_t je; json_t *j = json_loadb(in, n, 0, &je);
		struct http_reply rep;
		if (query_encode_output(argv[2], argv[3], j, "req-1", &rep) != 0) return 2;
		fwrite(rep.body, 1, rep.body_len, stdout);
		http_reply_release(&rep); json_decref(j); free(in);
	} else {
		struct http_reply rep;
		if (query_encode_error(argv[2], argv[3], argv[4], argv[5][0] == '1', "req-2", &rep) != 0) return 2;
		printf("%d\n", rep.status);
		fwrite(rep.body, 1, rep.body_len, stdout);
		http_reply_release(&rep);
	}
	return 0;
}
'''


def build_driver(tmp):
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
    src = os.path.join(tmp, 'drv.c')
    exe = os.path.join(tmp, 'drv')
    with open(src, 'w') as f:
        f.write(DRIVER_C)
    subprocess.run(['cc', '-g', '-fsanitize=address,undefined',
                    '-I', os.path.join(root, 'broker'), src,
                    os.path.join(root, 'broker', 'http_query.c'),
                    os.path.join(root, 'broker', 'sqs_query_model.c'),
                    '-ljansson', '-o', exe], check=True)
    return exe


def jsonable(v):
    if isinstance(v, bytes):
        return base64.b64encode(v).decode()
    if isinstance(v, dict):
        return {k: jsonable(x) for k, x in v.items()}
    if isinstance(v, list):
        return [jsonable(x) for x in v]
    return v


def main():
    args = [a for a in sys.argv[1:] if a != '--emit-c']
    emit = '--emit-c' in sys.argv
    if args:
        return check(args[0], emit)
    with tempfile.TemporaryDirectory() as tmp:
        return check(build_driver(tmp), emit)


def check(drv, emit):
    # The generator's merged model (Debian botocore's Query model plus what
    # the JSON model adds) as a botocore Query model.
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        'gen', os.path.join(here, '..', '..', 'scripts', 'gen-query-model.py'))
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    cfg = gen.SERVICES['sqs']
    old = gen.load(cfg['old'])
    shapes, ops = gen.merge(old, gen.load(cfg['new']), cfg)
    for name, o in ops.items():
        o.setdefault('http', {'method': 'POST', 'requestUri': '/'})
        o.setdefault('name', name)
    model = ServiceModel({'metadata': old['metadata'], 'operations': ops,
                          'shapes': shapes, 'version': '2.0'}, 'sqs')
    assert model.protocol == 'query', model.protocol
    ser = create_serializer('query', include_validation=False)
    fails = 0
    vectors = []
    for op, params, *override in REQUESTS:
        om = model.operation_model(op)
        req = ser.serialize_to_request(params, om)
        body = AWSRequest(method='POST', url='https://x/',
                          data=req['body']).prepare().body
        if isinstance(body, bytes):
            body = body.decode()
        out = subprocess.run([drv, 'decode'], input=body.encode(),
                             capture_output=True, check=True).stdout
        got = json.loads(out)
        want = {'service': 'sqs', 'action': op,
                'input': jsonable(override[0] if override else params)}
        if got != want:
            fails += 1
            print('DECODE MISMATCH', op, '\n body', body, '\n got ', got,
                  '\n want', want)
        vectors.append((body, json.dumps(want['input'], sort_keys=True,
                                          separators=(',', ':'),
                                          ensure_ascii=False)))
    parser = create_parser('query')
    xml_vectors = []
    for op, doc in OUTPUTS:
        om = model.operation_model(op)
        xml = subprocess.run([drv, 'encode', 'sqs', op],
                             input=json.dumps(doc).encode(),
                             capture_output=True, check=True).stdout
        parsed = parser.parse({'body': xml, 'headers': {},
                               'status_code': 200}, om.output_shape)
        meta = parsed.pop('ResponseMetadata', None)
        want = {k: v for k, v in (doc or {}).items() if v != []}
        for k in ('BinaryValue',):
            pass
        got = json.loads(json.dumps(jsonable(parsed)))
        if got != want or (meta or {}).get('RequestId') != 'req-1':
            fails += 1
            print('ENCODE MISMATCH', op, '\n xml ', xml.decode(),
                  '\n got ', got, meta, '\n want', want)
        xml_vectors.append((op, json.dumps(doc), xml.decode()))
    for code, qcode, status in ERRORS:
        out = subprocess.run([drv, 'error', 'sqs', code, 'm <1>', '1'],
                             capture_output=True, check=True).stdout
        st, xml = out.split(b'\n', 1)
        parsed = parser.parse({'body': xml, 'headers': {},
                               'status_code': int(st)}, None)
        e = parsed.get('Error', {})
        if (int(st) != status or e.get('Code') != qcode or
                e.get('Message') != 'm <1>' or e.get('Type') != 'Sender' or
                parsed['ResponseMetadata'].get('RequestId') != 'req-2'):
            fails += 1
            print('ERROR MISMATCH', code, st, xml, parsed)
    if emit:
        def c(s):
            return json.dumps(s, ensure_ascii=False)
        print('/* Generated by tests/unit/query_vectors.py --emit-c. */')
        print('/* botocore QuerySerializer body -> expected JSON input */')
        print('static const struct decode_vector decode_vectors[] = {')
        for body, want in vectors:
            print('\t{%s,\n\t %s},' % (c(body), c(want)))
        print('};\n')
        print('/* JSON output -> XML that botocore QueryParser parses back */')
        print('static const struct encode_vector encode_vectors[] = {')
        for op, doc, xml in xml_vectors:
            print('\t{"%s", %s,\n\t %s},' % (op, c(doc), c(xml)))
        print('};')
    print('%d request(s), %d output(s), %d error(s) checked; %d mismatch(es)'
          % (len(REQUESTS), len(OUTPUTS), len(ERRORS), fails),
          file=sys.stderr)
    sys.exit(1 if fails else 0)


if __name__ == '__main__':
    main()
