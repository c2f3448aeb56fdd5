"""models.py - the simulator's view of AWS's published API models.

Loads service models through botocore (Debian's python3-botocore, plus the
current npm models laid out by normalize_models.py when a models folder is
given), finds the operation a request names, turns the request's wire
form back into parameters, validates them (botocore's ParamValidator plus
enum and length/range checks), and serialises results and errors in each
protocol's own format.
"""
import base64
import datetime
import json
import os
import re
import urllib.parse
import uuid
from xml.sax.saxutils import escape

import botocore.loaders
import botocore.model
import botocore.validate

from state import ApiError


class Request:
    def __init__(self, method, path, query, headers, body, region, service):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.region = region
        self.service = service
        self._form = None

    @property
    def form(self):
        if self._form is None:
            pairs = urllib.parse.parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            pairs += self.query
            self._form = dict(pairs)
        return self._form


def request_id():
    return str(uuid.uuid4())


# Per-service spelling of common errors.
VALIDATION = {"securityhub": "InvalidInputException", "organizations": "InvalidInputException",
              "sts": "ValidationError", "guardduty": "BadRequestException"}
THROTTLE = {"securityhub": ("TooManyRequestsException", 429),
            "organizations": ("TooManyRequestsException", 400),
            "sts": ("Throttling", 400), "ec2": ("RequestLimitExceeded", 503)}


class Service:
    def __init__(self, name, model):
        self.name = name
        self.model = model
        self.protocol = model.metadata.get("protocol")
        self.routes = []
        if self.protocol in ("rest-json", "rest-xml"):
            for op_name in model.operation_names:
                op = model.operation_model(op_name)
                uri, _, sub = op.http.get("requestUri", "/").partition("?")
                # S3's subresources ("?publicAccessBlock", "?tagging"): the
                # query keys an operation requires besides its path
                need = [kv.split("=")[0] for kv in sub.split("&") if kv]
                pattern = "^" + re.sub(r"\\\{([^}]+?)(\\\+)?\\\}",
                                       lambda m: "(?P<%s>%s)" % (re.sub(r"\W", "_", m.group(1)),
                                                                  ".+" if m.group(2) else "[^/]+"),
                                       re.escape(uri)) + "$"
                self.routes.append((op.http.get("method", "POST"), re.compile(pattern), op, need))
            # most specific first: more required query keys win
            self.routes.sort(key=lambda r: -len(r[3]))

    # ------------------------------------------------------------ routing
    def find_operation(self, req):
        if self.protocol == "json":
            target = req.headers.get("X-Amz-Target", "")
            prefix = self.model.metadata.get("targetPrefix")
            p, _, op = target.rpartition(".")  # CloudTrail's prefix has dots
            if p != prefix or op not in self.model.operation_names:
                raise ApiError("UnknownOperationException", "unknown operation %s" % target, 400)
            return self.model.operation_model(op)
        if self.protocol in ("query", "ec2"):
            action = req.form.get("Action")
            if not action or action not in self.model.operation_names:
                raise ApiError("InvalidAction", "Could not find operation %s for version %s"
                               % (action, req.form.get("Version")), 400)
            if req.form.get("Version") != self.model.api_version:
                raise ApiError("InvalidAction", "Version %s is not supported" % req.form.get("Version"), 400)
            return self.model.operation_model(action)
        path = urllib.parse.unquote(req.path)
        keys = {k for k, _ in req.query}
        for method, rx, op, need in self.routes:
            m = rx.match(req.path)
            if method == req.method and m and all(k in keys for k in need):
                req.labels = {k: urllib.parse.unquote(v) for k, v in m.groupdict().items()}
                return op
        raise ApiError("UnknownOperationException", "no operation for %s %s" % (req.method, path), 404)

    # ------------------------------------------------------------ parsing
    def parse_input(self, op, req):
        shape = op.input_shape
        if shape is None:
            return {}
        if self.protocol == "json":
            return self._json_body(req)
        if self.protocol in ("query", "ec2"):
            form = {k: v for k, v in req.form.items() if k not in ("Action", "Version")}
            used = set()  # per request: handlers run on many threads at once
            params = self._unflatten(shape, "", form, used)
            leftover = [k for k in form if k not in used]
            if leftover:
                raise ApiError(VALIDATION.get(self.name, "ValidationError"),
                               "Unknown parameter %s" % leftover[0], 400)
            return params
        params = {}
        body_members = {}
        for name, m in shape.members.items():
            loc = m.serialization.get("location")
            wire = m.serialization.get("name", name)
            if loc == "uri":
                params[name] = getattr(req, "labels", {}).get(re.sub(r"\W", "_", wire))
            elif loc == "querystring":
                vals = [v for k, v in req.query if k == wire]
                if vals:
                    params[name] = vals if m.type_name == "list" else self._scalar(m, vals[0])
            elif loc == "header":
                if wire in req.headers:
                    params[name] = self._scalar(m, req.headers[wire])
            else:
                body_members[wire] = name
        payload = shape.serialization.get("payload")
        if self.protocol == "rest-xml":
            if payload and req.body and shape.members[payload].type_name in ("string", "blob"):
                # a raw payload (S3's bucket policy): the body as is
                params[payload] = req.body.decode("utf-8", "replace") if isinstance(req.body, bytes) else req.body
            elif payload and req.body:
                params[payload] = self._xml_body(shape.members[payload], req)
            return {k: v for k, v in params.items() if v is not None}
        if body_members and req.body:
            doc = self._json_body(req)
            for k, v in doc.items():
                if k not in body_members:
                    raise ApiError(VALIDATION.get(self.name, "ValidationException"),
                                   "Unknown parameter %s" % k, 400)
                params[body_members[k]] = v
        return {k: v for k, v in params.items() if v is not None}

    def _xml_body(self, shape, req):
        """A REST-XML payload (S3, S3 Control) back to parameters."""
        import xml.etree.ElementTree as ET
        try:
            root = ET.fromstring(req.body)
        except ET.ParseError:
            raise ApiError("MalformedXML", "The XML you provided was not well-formed or did not "
                           "validate against our published schema", 400)
        want = shape.serialization.get("name", shape.name)
        if root.tag.split("}")[-1] != want:
            raise ApiError("MalformedXML", "expected a %s document" % want, 400)
        return self._from_xml(shape, root)

    def _from_xml(self, shape, el):
        t = shape.type_name
        if t == "structure":
            out = {}
            kids = list(el)
            for name, m in shape.members.items():
                wire = m.serialization.get("name", name)
                found = [k for k in kids if k.tag.split("}")[-1] == wire]
                if not found:
                    continue
                if m.type_name == "list" and m.serialization.get("flattened"):
                    out[name] = [self._from_xml(m.member, k) for k in found]
                else:
                    out[name] = self._from_xml(m, found[0])
            names = {m.serialization.get("name", n) for n, m in shape.members.items()}
            for k in kids:
                if k.tag.split("}")[-1] not in names:
                    raise ApiError("MalformedXML", "unknown element %s" % k.tag.split("}")[-1], 400)
            return out
        if t == "list":
            item = shape.member.serialization.get("name", "member")
            return [self._from_xml(shape.member, k) for k in el if k.tag.split("}")[-1] == item]
        return self._scalar(shape, (el.text or "").strip())

    def _json_body(self, req):
        if not req.body:
            return {}
        try:
            doc = json.loads(req.body)
        except ValueError:
            raise ApiError("SerializationException", "the request body is not JSON", 400)
        if not isinstance(doc, dict):
            raise ApiError("SerializationException", "the request body is not a JSON object", 400)
        return doc

    def _scalar(self, shape, v):
        t = shape.type_name
        try:
            if t in ("integer", "long"):
                return int(v)
            if t in ("float", "double"):
                return float(v)
            if t == "boolean":
                if v not in ("true", "false"):
                    raise ValueError
                return v == "true"
        except ValueError:
            raise ApiError(VALIDATION.get(self.name, "ValidationError"),
                           "Invalid value %r for a %s" % (v, t), 400)
        return v

    def _unflatten(self, shape, prefix, form, used):
        """Query wire form (Name.member.1.Key=...) back to nested params."""
        t = shape.type_name
        if t == "structure":
            out = {}
            for name, m in shape.members.items():
                if self.protocol == "ec2":
                    wire = m.serialization.get("queryName") or (
                        m.serialization.get("name", name)[:1].upper() + m.serialization.get("name", name)[1:])
                else:
                    wire = m.serialization.get("name", name)
                key = prefix + wire
                v = self._unflatten(m, key + ".", form, used) if m.type_name in ("structure", "list", "map") \
                    else self._leaf(m, key, form, used)
                if v is not None and v != {} and v != []:
                    out[name] = v
            return out
        if t == "list":
            base = prefix[:-1]
            items = []
            i = 1
            while True:
                if self.protocol == "ec2" or shape.serialization.get("flattened"):
                    key = "%s.%d" % (base, i)
                else:
                    # the member's own name when the model gives one
                    # (RDS's ValuesToRemove.AttributeValue.1), as botocore
                    key = "%s.%s.%d" % (base, shape.member.serialization.get("name", "member"), i)
                m = shape.member
                if m.type_name in ("structure", "map", "list"):
                    v = self._unflatten(m, key + ".", form, used)
                    if not v:
                        break
                else:
                    v = self._leaf(m, key, form, used)
                    if v is None:
                        break
                items.append(v)
                i += 1
            return items
        if t == "map":
            base = prefix[:-1]
            out = {}
            i = 1
            while ("%s.entry.%d.key" % (base, i)) in form:
                k = self._leaf(shape.key, "%s.entry.%d.key" % (base, i), form, used)
                out[k] = self._leaf(shape.value, "%s.entry.%d.value" % (base, i), form, used)
                i += 1
            return out
        return self._leaf(shape, prefix[:-1], form, used)

    def _leaf(self, shape, key, form, used):
        if key not in form:
            return None
        used.add(key)
        return self._scalar(shape, form[key])

    # --------------------------------------------------------- validation
    def validate(self, op, params):
        shape = op.input_shape
        if shape is None:
            return
        report = botocore.validate.ParamValidator().validate(params, shape)
        if report.has_errors():
            raise ApiError(VALIDATION.get(self.name, "ValidationException"),
                           report.generate_report().replace("\n", " "), 400)
        self._constraints(shape, params, shape.name)

    def _constraints(self, shape, value, path):
        code = VALIDATION.get(self.name, "ValidationException")
        t = shape.type_name
        meta = shape.metadata
        if t == "string" and isinstance(value, str):
            enum = getattr(shape, "enum", None) or meta.get("enum")
            if enum and value not in enum:
                raise ApiError(code, "Value '%s' at '%s' failed to satisfy constraint: Member must "
                                     "satisfy enum value set: [%s]" % (value, path, ", ".join(enum)), 400)
            if "max" in meta and len(value) > meta["max"]:
                raise ApiError(code, "Value at '%s' failed to satisfy constraint: Member must have "
                                     "length less than or equal to %d" % (path, meta["max"]), 400)
            if "min" in meta and len(value) < meta["min"]:
                raise ApiError(code, "Value at '%s' failed to satisfy constraint: Member must have "
                                     "length greater than or equal to %d" % (path, meta["min"]), 400)
            if "pattern" in meta and not re.fullmatch(meta["pattern"], value):
                raise ApiError(code, "Value at '%s' failed to satisfy constraint: Member must "
                                     "satisfy regular expression pattern: %s" % (path, meta["pattern"]), 400)
        elif t in ("integer", "long") and isinstance(value, int):
            if "max" in meta and value > meta["max"]:
                raise ApiError(code, "Value '%d' at '%s' failed to satisfy constraint: Member must "
                                     "have value less than or equal to %d" % (value, path, meta["max"]), 400)
            if "min" in meta and value < meta["min"]:
                raise ApiError(code, "Value '%d' at '%s' failed to satisfy constraint: Member must "
                                     "have value greater than or equal to %d" % (value, path, meta["min"]), 400)
        elif t == "structure" and isinstance(value, dict):
            for k, v in value.items():
                if k in shape.members:
                    self._constraints(shape.members[k], v, path + "." + k)
        elif t == "list" and isinstance(value, list):
            if "max" in meta and len(value) > meta["max"]:
                raise ApiError(code, "Member '%s' must have at most %d items" % (path, meta["max"]), 400)
            for i, v in enumerate(value):
                self._constraints(shape.member, v, "%s.%d" % (path, i + 1))
        elif t == "map" and isinstance(value, dict):
            for v in value.values():
                self._constraints(shape.value, v, path)

    # ------------------------------------------------------ serialisation
    def throttling_error(self):
        code, status = THROTTLE.get(self.name, ("ThrottlingException", 400))
        return ApiError(code, "Rate exceeded", status)

    def serialize(self, op, result):
        rid = request_id()
        if self.protocol in ("json", "rest-json"):
            body = None
            if self._plain(op.output_shape):
                # nothing to rename or convert: the result is its own wire
                # form unless it holds a None (dropped by _to_json)
                body = json.dumps(result or {})
                if "null" in body:
                    body = None
            if body is None:
                body = json.dumps(self._to_json(op.output_shape, result or {}))
            ctype = "application/x-amz-json-%s" % self.model.metadata.get("jsonVersion", "1.1") \
                if self.protocol == "json" else "application/json"
            return 200, body, ctype, {"x-amzn-RequestId": rid}
        if self.protocol == "query":
            ns = self.model.metadata.get("xmlNamespace", "")
            inner = self._to_xml(op.output_shape, result or {}) if op.output_shape else ""
            wrapper = op.output_shape.serialization.get("resultWrapper") if op.output_shape else None
            if op.output_shape is not None and not wrapper:
                wrapper = op.name + "Result"
            body = '<%sResponse xmlns="%s">%s<ResponseMetadata><RequestId>%s</RequestId>' \
                   '</ResponseMetadata></%sResponse>' % (
                       op.name, ns, "<%s>%s</%s>" % (wrapper, inner, wrapper) if wrapper else "",
                       rid, op.name)
            return 200, body, "text/xml", {"x-amzn-RequestId": rid}
        if self.protocol == "ec2":
            inner = self._to_xml(op.output_shape, result or {}, ec2=True) if op.output_shape else ""
            body = '<%sResponse xmlns="http://ec2.amazonaws.com/doc/%s/"><requestId>%s</requestId>%s</%sResponse>' % (
                op.name, self.model.api_version, rid, inner, op.name)
            return 200, body, "text/xml", {"x-amzn-RequestId": rid}
        if self.protocol == "rest-xml":
            shape = op.output_shape
            body = ""
            if shape is not None and result:
                payload = shape.serialization.get("payload")
                if payload:
                    m = shape.members[payload]
                    name = m.serialization.get("name", payload)
                    if result.get(payload) is not None and m.type_name in ("string", "blob"):
                        return 200, result[payload], "application/json", {"x-amz-request-id": rid}
                    if result.get(payload) is not None:
                        body = self._xml_doc(name, self._to_xml(m, result[payload]))
                else:
                    name = shape.serialization.get("name") or shape.name.replace("Output", "Result")
                    body = self._xml_doc(name, self._to_xml(shape, result))
            return 200, body, "application/xml", {"x-amz-request-id": rid}
        raise ApiError("InternalFailure", "protocol %s not served" % self.protocol, 500)

    def _xml_doc(self, name, inner):
        ns = self.model.metadata.get("xmlNamespace", "")
        if isinstance(ns, dict):
            ns = ns.get("uri", "")
        if not ns:
            ns = {"s3": "http://s3.amazonaws.com/doc/2006-03-01/",
                  "s3control": "http://awss3control.amazonaws.com/doc/2018-08-20/"}.get(self.name, "")
        return '<?xml version="1.0" encoding="UTF-8"?><%s xmlns="%s">%s</%s>' % (name, ns, inner, name)

    def serialize_error(self, err):
        rid = request_id()
        if self.protocol in ("json", "rest-json"):
            doc = {"__type": err.code, "message": err.message}
            if self.protocol == "rest-json":
                doc["Code"] = err.code
                doc["Message"] = err.message
            return err.status, json.dumps(doc), "application/json", \
                {"x-amzn-RequestId": rid, "x-amzn-ErrorType": err.code}
        if self.protocol == "ec2":
            body = "<Response><Errors><Error><Code>%s</Code><Message>%s</Message></Error></Errors>" \
                   "<RequestID>%s</RequestID></Response>" % (escape(err.code), escape(err.message), rid)
            return err.status, body, "text/xml", {}
        if self.protocol == "rest-xml":
            inner = "<Code>%s</Code><Message>%s</Message><RequestId>%s</RequestId>" % (
                escape(err.code), escape(err.message), rid)
            body = "<Error>%s</Error>" % inner if self.name == "s3" else \
                "<ErrorResponse><Error>%s</Error></ErrorResponse>" % inner
            return err.status, '<?xml version="1.0" encoding="UTF-8"?>' + body, "application/xml", \
                {"x-amz-request-id": rid}
        ns = self.model.metadata.get("xmlNamespace", "")
        kind = "Receiver" if err.status >= 500 else "Sender"
        body = '<ErrorResponse xmlns="%s"><Error><Type>%s</Type><Code>%s</Code><Message>%s</Message>' \
               '</Error><RequestId>%s</RequestId></ErrorResponse>' % (
                   ns, kind, escape(err.code), escape(err.message), rid)
        return err.status, body, "text/xml", {"x-amzn-RequestId": rid}

    def _plain(self, shape):
        """True when _to_json changes nothing of a value of this shape but
        drop None: no member renamed, no timestamp or blob beneath."""
        if shape is None:
            return True
        memo = self.__dict__.setdefault("_plain_memo", {})
        if shape.name in memo:
            return memo[shape.name]
        memo[shape.name] = True  # a recursive shape is plain if the rest is
        t = shape.type_name
        ok = t not in ("timestamp", "blob")
        if ok and t == "structure":
            ok = all(m.serialization.get("name", k) == k and self._plain(m) for k, m in shape.members.items())
        elif ok and t == "list":
            ok = self._plain(shape.member)
        elif ok and t == "map":
            ok = self._plain(shape.value)
        memo[shape.name] = ok
        return ok

    def _to_json(self, shape, v):
        if shape is None:
            return v
        t = shape.type_name
        if t == "structure" and isinstance(v, dict):
            out = {}
            for k, val in v.items():
                if val is None:
                    continue
                m = shape.members.get(k)
                out[m.serialization.get("name", k) if m else k] = self._to_json(m, val) if m else val
            return out
        if t == "list" and isinstance(v, list):
            return [self._to_json(shape.member, x) for x in v]
        if t == "map" and isinstance(v, dict):
            return {k: self._to_json(shape.value, x) for k, x in v.items()}
        if t == "timestamp":
            if isinstance(v, datetime.datetime):
                return v.timestamp()
            return v
        if t == "blob" and isinstance(v, bytes):
            return base64.b64encode(v).decode()
        return v

    def _to_xml(self, shape, v, ec2=False):
        t = shape.type_name
        if t == "structure":
            parts = []
            for k, m in shape.members.items():
                if k not in v or v[k] is None:
                    continue
                name = m.serialization.get("name", k)
                if m.type_name == "list" and (m.serialization.get("flattened") and not ec2):
                    for item in v[k]:
                        parts.append("<%s>%s</%s>" % (name, self._to_xml(m.member, item, ec2), name))
                else:
                    parts.append("<%s>%s</%s>" % (name, self._to_xml(m, v[k], ec2), name))
            return "".join(parts)
        if t == "list":
            item = shape.member.serialization.get("name", "item" if ec2 else "member")
            return "".join("<%s>%s</%s>" % (item, self._to_xml(shape.member, x, ec2), item) for x in v)
        if t == "map":
            return "".join("<entry><key>%s</key><value>%s</value></entry>" % (
                escape(str(k)), self._to_xml(shape.value, x, ec2)) for k, x in v.items())
        if t == "timestamp":
            if isinstance(v, datetime.datetime):
                v = v.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            return escape(str(v))
        if t == "boolean":
            return "true" if v else "false"
        return escape(str(v))


class Models:
    def __init__(self, extra_dir=None):
        self.loader = botocore.loaders.Loader()
        if extra_dir and os.path.isdir(extra_dir):
            self.loader.search_paths.insert(0, extra_dir)
        self.cache = {}

    def service(self, name):
        if name not in self.cache:
            try:
                data = self.loader.load_service_model(name, "service-2")
            except Exception:
                self.cache[name] = None
            else:
                self.cache[name] = Service(name, botocore.model.ServiceModel(data, service_name=name))
        return self.cache[name]

