#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: GPL-2.0-only
# Ansible module: reconcile nsping's namespaces from a configuration file.
# Everything it reports comes from nsping's JSON documents and exit codes.

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: nsping
short_description: Reconcile nsping's isolated ping namespaces
description:
  - Runs C(nsping apply) (I(state=present)) or C(nsping destroy) (I(state=absent))
    on a configuration file, so that the kernel matches it, that is the isolated
    network namespaces, their veth pairs, addresses, routes, neighbors, offloads
    and the XDP/tc programs of every instance in the file.
  - C(changed) comes from nsping's JSON document, never from a guess. A real run is
    changed when nsping sent a changing kernel request (C(requests) > 0) or reported
    a change (a non-empty C(changes) list). In check mode the run is changed when
    C(nsping plan) lists a change.
  - In check mode the module runs C(nsping plan --json) (C(plan --destroy --json) for
    I(state=absent)), which reads the kernel and changes nothing.
  - In diff mode it returns one before/after pair per changed object, derived from
    the C(from)/C(to) members of nsping's changes.
  - It fails with nsping's own reason when nsping refuses or fails, that is on a
    conflict with a foreign object (exit 3, the conflicts listed), an invalid
    configuration (exit 65, its C(FILE:LINE) messages), a runtime failure or an
    apply that did not converge (exit 1), a usage error (exit 64) or a lock held
    too long (exit 75).
  - nsping's plan-time warnings (a configuration that converges but cannot carry a
    probe, nsping(8) WARNINGS) become Ansible warnings; they never fail the task.
version_added: "0.1.0"
author:
  - nsping maintainers (!UNKNOWN)
options:
  config:
    description:
      - Path of the nsping configuration file (libconfig syntax) on the managed host.
      - It is passed as C(nsping -c CONFIG). For I(state=absent) it names what to
        remove, so it must still describe the instances.
    type: path
    required: true
  state:
    description:
      - C(present) makes the kernel match the file (C(nsping apply)).
      - C(absent) removes everything the file's instances own (C(nsping destroy)).
    type: str
    choices: [present, absent]
    default: present
  host_netns:
    description:
      - The network namespace that holds the uplink and the host-side veth, as a
        name under C(/run/netns) or a path such as C(/proc/PID/ns/net).
      - Passed as C(--host-netns). Default is the namespace nsping runs in.
    type: str
  binary:
    description:
      - The nsping executable, a path or a name looked up on C(PATH).
    type: str
    default: nsping
  state_dir:
    description:
      - nsping's state directory (C(--state-dir)), holding its lock file and the
        ping worker's state files. nsping's default is C(/run/nsping).
      - Give a private directory only to a test or to a host that runs nsping
        nowhere else, since two nsping runs serialise on the lock in this directory.
    type: path
  lock_wait:
    description:
      - Seconds to wait for another nsping holding the lock (C(--lock-wait),
        0..3600). nsping's default is 10. A lock held longer fails the task
        (exit 75).
    type: int
  prune:
    description:
      - With I(state=present), nsping also deletes what it owns in the file's scope
        that the file no longer describes (an instance removed from the file, a
        former netns or uplink of one). C(false) passes C(--no-prune) to C(apply)
        (and to C(plan) in check mode) and keeps those objects this time.
      - Ignored for I(state=absent), which removes the file's instances only.
    type: bool
    default: true
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
    details: Runs C(nsping plan --json), which only reads the kernel.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: One before/after pair per changed object, from the plan's C(from)/C(to) values.
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
notes:
  - Needs root (or C(CAP_NET_ADMIN), C(CAP_SYS_ADMIN) and C(CAP_BPF)) on the managed
    host, as nsping does.
  - A unit C(nsping.service) that runs C(nsping run) applies the file itself when it
    starts; the C(nsping) role restarts it when the file or the applied state changed.
requirements:
  - nsping on the managed host (Linux).
'''

EXAMPLES = r'''
- name: Make the kernel match /etc/nsping/nsping.conf
  nsping:
    config: /etc/nsping/nsping.conf

- name: Apply to a lab node's namespace, with a private state directory
  nsping:
    config: /tmp/lab/nsping.conf
    host_netns: node1
    state_dir: /tmp/lab/state
    lock_wait: 30
    binary: /usr/local/sbin/nsping
  register: nsping_result

- name: Remove every namespace and veth the file's instances own
  nsping:
    config: /etc/nsping/nsping.conf
    state: absent
'''

RETURN = r'''
rc:
  description: nsping's exit code.
  returned: always
  type: int
  sample: 0
cmd:
  description: The nsping command line that ran.
  returned: always
  type: list
  elements: str
  sample: [nsping, -c, /etc/nsping/nsping.conf, --json, apply]
stderr:
  description: What nsping printed on stderr (its errors and conflicts as text).
  returned: always
  type: str
  sample: ''
plan:
  description:
    - The plan document of C(nsping plan --json), in check mode; also the plan
      document that C(apply) or C(destroy) print alone when a conflict or an error
      refuses them before any change.
    - Members C(changes), C(summary), C(conflicts) and C(errors), as described in
      nsping's README.
  returned: in check mode, or when nsping refused to change anything
  type: dict
  sample:
    changes:
      - op: update
        kind: link
        instance: gwping
        object: vpingn
        attribute: mac
        from: "02:00:00:00:00:09"
        to: "02:00:00:00:00:02"
    summary: {create: 0, update: 1, delete: 0}
    conflicts: []
    errors: []
result:
  description:
    - The document of C(nsping apply --json) or C(nsping destroy --json), with the
      plan members for what was changed, plus C(requests) (changing kernel
      requests sent) and C(converged).
  returned: when apply or destroy ran (not in check mode)
  type: dict
  sample:
    changes: []
    summary: {create: 0, update: 0, delete: 0}
    conflicts: []
    errors: []
    requests: 0
    converged: true
changes:
  description: The changes of the plan (check mode) or of the run, as nsping lists them.
  returned: when nsping printed a document
  type: list
  elements: dict
  sample: []
summary:
  description: How many objects were (or would be) created, updated and deleted.
  returned: when nsping printed a document
  type: dict
  sample: {create: 0, update: 0, delete: 0}
conflicts:
  description: Foreign objects that block the plan (C(kind), C(instance), C(object), C(reason)).
  returned: when nsping printed a document
  type: list
  elements: dict
  sample: []
errors:
  description: Per-instance errors (C(instance), C(reason)), for example a missing uplink.
  returned: when nsping printed a document
  type: list
  elements: dict
  sample: []
messages:
  description: "nsping's C(FILE:LINE: KEY: message) lines for an invalid configuration (exit 65)."
  returned: on failure with exit 65
  type: list
  elements: str
  sample: ['/etc/nsping/nsping.conf:9: instances[0].address: "10.99.0.2/33": the prefix length must be 1..32']
'''

import json
import os

from ansible.module_utils.basic import AnsibleModule

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_CONFLICT = 3
EXIT_USAGE = 64
EXIT_INVALID = 65
EXIT_LOCKED = 75

PLAN_MEMBERS = ('changes', 'summary', 'conflicts', 'errors')


def nsping_args(module, binary):
    """The command line: global options first, then the command and its own."""
    p = module.params
    cmd = [binary, '-c', p['config']]
    if p['host_netns']:
        cmd += ['--host-netns', p['host_netns']]
    if p['state_dir']:
        cmd += ['--state-dir', p['state_dir']]
    if p['lock_wait'] is not None:
        cmd += ['--lock-wait', str(p['lock_wait'])]
    cmd.append('--json')
    if module.check_mode:
        cmd.append('plan')
        if p['state'] == 'absent':
            cmd.append('--destroy')
    else:
        cmd.append('apply' if p['state'] == 'present' else 'destroy')
    if p['state'] == 'present' and not p['prune']:
        cmd.append('--no-prune')
    return cmd


def value_text(value):
    return '' if value is None else str(value)


def change_line(change, side):
    """One line of a diff: 'KIND OBJECT [ATTRIBUTE] VALUE', or None for a null side."""
    value = change.get(side)
    if value is None:
        return None
    words = [change.get('kind', ''), change.get('object', '')]
    if change.get('attribute'):
        words.append(change['attribute'])
    words.append(value_text(value))
    return ' '.join(w for w in words if w) + '\n'


def build_diff(changes):
    """Before/after text per changed object (instance, kind, object), in plan order.

    A created object has an empty before, a deleted one an empty after; an update
    shows each changed attribute's from and to.
    """
    order = []
    objects = {}
    for change in changes:
        key = (change.get('instance', ''), change.get('kind', ''), change.get('object', ''))
        if key not in objects:
            objects[key] = {'before': '', 'after': ''}
            order.append(key)
        for side, value in (('before', 'from'), ('after', 'to')):
            line = change_line(change, value)
            if line is not None:
                objects[key][side] += line
    diffs = []
    for key in order:
        header = 'nsping instance %s: %s %s' % key
        diffs.append({
            'before_header': header,
            'after_header': header,
            'before': objects[key]['before'],
            'after': objects[key]['after'],
        })
    return diffs


def parse_document(text):
    """nsping's JSON document on stdout, or None when there is none."""
    text = text.strip()
    if not text:
        return None
    try:
        doc = json.loads(text)
    except ValueError:
        return None
    return doc if isinstance(doc, dict) else None


def is_invalid_document(doc):
    """True for the {"valid": false, "errors": [...]} document of an invalid configuration."""
    return doc is not None and doc.get('valid') is False


def config_error_lines(doc):
    """The FILE:LINE: KEY: message lines of an invalid configuration's document."""
    lines = []
    for e in doc.get('errors') or []:
        where = e.get('file', '?')
        if e.get('line'):
            where += ':%d' % e['line']
        if e.get('key'):
            where += ': ' + e['key']
        lines.append('%s: %s' % (where, e.get('message', '')))
    return lines


def failure_message(verb, rc, doc, stderr):
    """nsping's own reason, from its JSON document or else its stderr."""
    reasons = []
    if is_invalid_document(doc):
        reasons = config_error_lines(doc)
    elif doc:
        reasons += [c.get('reason', '') for c in doc.get('conflicts') or []]
        reasons += ['instance %s: %s' % (e.get('instance', '?'), e.get('reason', ''))
                    for e in doc.get('errors') or []]
    if not reasons:
        reasons = [line for line in stderr.splitlines() if line.strip()]
    what = {
        EXIT_FAILURE: 'failed',
        EXIT_CONFLICT: 'refused by a conflict, nothing was changed',
        EXIT_USAGE: 'usage error',
        EXIT_INVALID: 'invalid configuration, nothing was changed',
        EXIT_LOCKED: 'another nsping held the lock',
    }.get(rc, 'failed')
    if doc and rc == EXIT_FAILURE:
        if 'requests' not in doc:
            what = 'an instance has an error, nothing was changed'
        elif doc.get('converged') is False:
            what = 'failed or did not converge'
    msg = 'nsping %s: %s (exit %d)' % (verb, what, rc)
    if reasons:
        msg += ': ' + '; '.join(reasons)
    return msg


def main():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type='path', required=True),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            host_netns=dict(type='str'),
            binary=dict(type='str', default='nsping'),
            state_dir=dict(type='path'),
            lock_wait=dict(type='int'),
            prune=dict(type='bool', default=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p['lock_wait'] is not None and not 0 <= p['lock_wait'] <= 3600:
        module.fail_json(msg='lock_wait must be 0..3600 seconds, not %d' % p['lock_wait'])

    binary = p['binary']
    if os.sep not in binary:
        binary = module.get_bin_path(binary, required=True)

    cmd = nsping_args(module, binary)
    verb = ' '.join(cmd[cmd.index('--json') + 1:])
    rc, stdout, stderr = module.run_command(cmd, encoding='utf-8')
    doc = parse_document(stdout)

    result = dict(changed=False, rc=rc, cmd=cmd, stderr=stderr)
    if is_invalid_document(doc):
        result['messages'] = config_error_lines(doc)
        module.fail_json(msg=failure_message(verb, rc, doc, stderr), **result)

    applied = doc is not None and 'requests' in doc
    if doc is not None:
        result['result' if applied else 'plan'] = doc
        for member in PLAN_MEMBERS:
            if member in doc:
                result[member] = doc[member]
        if applied:
            result['changed'] = doc.get('requests', 0) > 0 or bool(doc.get('changes'))
        elif module.check_mode:
            result['changed'] = bool(doc.get('changes'))
        if module._diff and (result['changed'] or doc.get('changes')):
            result['diff'] = build_diff(doc.get('changes') or [])
        # nsping's plan-time checks (nsping(8) WARNINGS): Ansible's own warnings
        for w in doc.get('warnings') or []:
            module.warn('nsping: instance %s: %s: %s; fix: %s' % (
                w.get('instance', '?'), w.get('key', '?'), w.get('message', ''), w.get('fix', '')))

    if rc != EXIT_OK:
        if rc == EXIT_INVALID:
            result['messages'] = [line for line in stderr.splitlines() if line.strip()]
        module.fail_json(msg=failure_message(verb, rc, doc, stderr), **result)
    if doc is None:
        module.fail_json(msg='nsping %s: exit 0 but no JSON document on stdout' % verb,
                         stdout=stdout, **result)
    if applied and doc.get('converged') is not True:
        module.fail_json(msg='nsping %s: did not converge (exit 0)' % verb, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
