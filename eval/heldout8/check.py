import json, collections
D = __import__('os').path.join(__import__('os').path.dirname(__file__), '..', '..', '..', 'shared', 'seeds', '')
def load(p): return [json.loads(l) for l in open(p, encoding='utf-8') if l.strip()]
Q = load(__import__('os').path.join(__import__('os').path.dirname(__file__), 'questions.jsonl')); U = load(__import__('os').path.join(__import__('os').path.dirname(__file__), 'unanswerable.jsonl'))
texts = {}
def txt(d):
    if d not in texts: texts[d] = open(D + d + '.txt', encoding='utf-8').read()
    return texts[d]
errs = []
styles = collections.Counter(q['style'] for q in Q)
kinds = collections.Counter(u['kind'] for u in U)
if len(Q) != 30: errs.append('questions != 30')
if len(U) != 12: errs.append('unanswerable != 12')
if dict(styles) != {'patient': 10, 'precise': 10, 'view': 10}: errs.append('style mix %s' % styles)
if dict(kinds) != {'near_miss': 4, 'personal_advice': 4, 'off_topic': 4}: errs.append('kind mix %s' % kinds)
ids = [q['id'] for q in Q] + [u['id'] for u in U]
if len(set(ids)) != len(ids): errs.append('duplicate ids')
LABELS = {'evidence', 'opinion', 'marketing'}
TYPES = {'name', 'number', 'date', 'place', 'journal', 'title', 'none'}
alldocs = set()
for q in Q:
    gtexts = []
    for kind in ('gold_spans', 'alt_spans'):
        for s in q.get(kind, []):
            t = txt(s['doc_id'])
            if not (0 <= s['start'] < s['end'] <= len(t)):
                errs.append('%s %s out of bounds' % (q['id'], kind)); continue
            seg = t[s['start']:s['end']]
            if t.find(seg) != s['start']: errs.append('%s span not first occurrence' % q['id'])
            if s['doc_id'] not in q['gold_docs']: errs.append('%s span doc not in gold_docs' % q['id'])
            before = t[s['start']-1] if s['start'] > 0 else '\n'
            if before not in ' \n': errs.append('%s span does not start at boundary: %r' % (q['id'], before))
            print('%s %s [%s %d:%d] %s' % (q['id'], kind[:4], s['doc_id'][:3], s['start'], s['end'], seg))
            if kind == 'gold_spans': gtexts.append(seg.lower())
    if not 1 <= len(q['gold_spans']) <= 2: errs.append('%s gold span count' % q['id'])
    if not 1 <= len(q['key_facts']) <= 3: errs.append('%s key_facts count' % q['id'])
    for fact in q['key_facts']:
        for alt in fact:
            if not any(alt.lower() in g for g in gtexts):
                errs.append('%s key fact alt %r not in gold span' % (q['id'], alt))
    if q['answer_type'] not in TYPES: errs.append('%s bad answer_type' % q['id'])
    if q['answer_type'] == 'none':
        if q['short_answer'] is not None: errs.append('%s short_answer should be null' % q['id'])
    else:
        if not q['short_answer'] or not any(q['short_answer'] in t[s['start']:s['end']] for s in q['gold_spans'] for t in [txt(s['doc_id'])]):
            errs.append('%s short_answer not in gold span' % q['id'])
    if not q['acceptable_labels'] or not set(q['acceptable_labels']) <= LABELS: errs.append('%s labels' % q['id'])
    alldocs.update(q['gold_docs'])
for u in U:
    if u['kind'] == 'personal_advice' and not u.get('gold_docs'): errs.append('%s missing gold_docs' % u['id'])
seeds = {'000_184621efc1d6966c','001_22418759c7d07ec6','002_4016c896fbf06287','003_42a00124516789bb','004_f4c8e879eecea6ab'}
if not seeds <= alldocs: errs.append('not all docs covered')
print('styles', dict(styles), 'kinds', dict(kinds))
print('docs covered:', collections.Counter(d[:3] for q in Q for d in {s['doc_id'] for s in q['gold_spans']}))
for e in errs: print('ERROR', e)
print('PASS' if not errs else 'FAIL (%d errors)' % len(errs))
