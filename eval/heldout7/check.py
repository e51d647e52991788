import json, sys, collections
SEEDS=__import__('os').path.join(__import__('os').path.dirname(__file__), '..', '..', '..', 'shared', 'seeds', '')
EXPECTED=json.loads('{"s001": {"gold_spans": ["The data is clear: interventional pain physicians can safely deliver SIJ fusion procedures, but only with robust, surgeon-led education and oversight."]}, "s002": {"gold_spans": ["Interventional spine medicine utilizes minimally invasive procedures and special imaging technology to not only pinpoint the location of the pain, but treat it right it at its source."]}, "s003": {"gold_spans": ["With interventional spine medicine, surgery can be performed using a much smaller incision, causing less damage to the surrounding muscles and ligaments."], "alt_spans": ["Traditionally, spine surgery was done as “open surgery,” meaning a long incision was required."]}, "s004": {"gold_spans": ["When the longer-lasting corticosteroid medicine is precisely delivered to the right location, the patient can experience months of pain relief."]}, "s005": {"gold_spans": ["Group 1 achieved zero complications and zero revision surgeries.", "All reported complications and revisions occurred only in Group 2—pointing directly to the importance of surgeon supervision during the learning curve."], "alt_spans": ["Supervision by a trained surgeon virtually eliminated significant risk, especially during a physician’s first cases."]}, "s006": {"gold_spans": ["Is the physician fellowship-trained or board-certified?", "Does the surgery center have a low infection rate?"], "alt_spans": ["Does the physician have experience treating your condition?"]}, "s007": {"gold_spans": ["Sometimes the injections are diagnostic, meaning that if pain relief occurs immediately after the injection, it can be inferred that the injection site is the source of the pain."]}, "s008": {"gold_spans": ["This procedure removes all or part of a bulging or herniated disc.", "Doing so relieves pressure on the affected nerve and relieves pain."]}, "s009": {"gold_spans": ["In contrast, the risks associated with long-term opioid therapy are well established, reinforcing that it should not be the first-line treatment for chronic pain."]}, "s010": {"gold_spans": ["If this IPM physician knew anything about IO, not only would he or she be an expert on how to get platelets or stem cells to this spot, but even more importantly, the doctor would know that a posterior labral tear is often caused by glenohumeral instability\xa0in the posterior direction."], "alt_spans": ["The doctor could have checked for that instability using stress ultrasound and if found, could have easily targeted the specific lax ligaments leading to that instability."]}, "s011": {"gold_spans": ["A transformational study has just been published in The Spine Journal—the world’s premier spine research publication—heralding a new era for interventional pain management."], "alt_spans": ["Chin KR et al. A Prospective Multicenter Randomized Controlled Trial on Safety and Procedural Competency in SI Joint Fusion Performed by Interventional Pain Physicians Trained by a Spine Surgeon, The Spine Journal, 2025."]}, "s012": {"gold_spans": ["276 adult patients underwent SIJ fusion utilizing Sacrix® titanium triangular implants and bioactive glass biologics"], "alt_spans": ["Design: 276 patients, 47 IPM physicians, multiple clinical sites, all using structured training led by orthopedic spine surgeons."]}, "s013": {"gold_spans": ["Interventional pain physicians, after receiving comprehensive training from board-certified spine surgeons, achieved low complication (3.3%) and revision (1.8%) rates, comparable to traditional surgical benchmarks."]}, "s014": {"gold_spans": ["Design: 276 patients, 47 IPM physicians, multiple clinical sites, all using structured training led by orthopedic spine surgeons."]}, "s015": {"gold_spans": ["The multicenter, randomized controlled trial was led by Dr. Kingsley R. Chin, a renowned orthopedic spine surgeon, in collaboration with a team of trained IPM physicians."], "alt_spans": ["Lead Investigator: Dr. Kingsley R. Chin"]}, "s016": {"gold_spans": ["IPM physicians performed these procedures in ambulatory surgery centers after standardized, hands-on training by spine surgeons"]}, "s017": {"gold_spans": ["The Pacific Spine and Pain Society and the membership it represents must respond with a statement of concern in response to the recent article published in the British Medical Journal, **Common interventional procedures for chronic non-cancer spine pain: a systemic review and network meta-analysis of randomized trial by Wang, et al (1).**"]}, "s018": {"gold_spans": ["Our members include greater than 3,000 providers who practice in specialties including neurology, radiology, neurosurgery, orthopedic surgery, anesthesiology & rehabilitative medicine."]}, "s019": {"gold_spans": ["According to a study done by Mayo Clinic, back pain is the third most common reason people visit the doctor."]}, "s020": {"gold_spans": ["It was those observations that caused me\xa0to get into stem cells in 2005, at a time when nobody else in the U.S. was doing that type of work."]}, "s021": {"gold_spans": ["While they have the requisite skills to start training in interventional orthopedics, they don’t have the skills needed to practice the specialty.", "In fact, they are sorely undertrained."], "alt_spans": ["So the purpose of this post is to say to all IPM doctors, “You’re not qualified to practice IO, but you sure could be with the proper training.”"]}, "s022": {"gold_spans": ["The offerings are often a little amusing for me, as it’s clear that they view orthobiologics as just another injectate."], "alt_spans": ["Regrettably, these physicians are missing the whole point of IO."]}, "s023": {"gold_spans": ["It requires a staged and structured educational program.", "That’s more than the weekend courses being taught by IPM organizations."]}, "s024": {"gold_spans": ["I agree with you Chris that IPM is far from been IO on several points but I think that it is even worse for those that try to do IO without ever having done a precision guided injection in their life."]}, "s025": {"gold_spans": ["The authors of the study were not interventional pain specialists, yet they presented themselves as experts in the field."], "alt_spans": ["The authorship does not include a research or clinical expert in practice of pain management."]}, "s026": {"gold_spans": ["The approach of grouping multiple diagnoses under a single category and applying the same procedural intervention is problematic."], "alt_spans": ["Proper diagnosis is critical to ensuring that the most appropriate procedure is selected for each patient."]}, "s027": {"gold_spans": ["The studies referenced exhibit substantial heterogeneity, which raises concerns about the consistency and reliability of the pooled results."]}, "s028": {"gold_spans": ["Finally, the Pacific Spine & Pain Society underlines that the inclusion of researchers who have specialized training and clinical experience in the topic of their research is likely to yield the most meaningful research products."]}, "s029": {"gold_spans": ["Require structured, surgeon-led training for non-surgeon practitioners entering complex spine procedures.", "Standardize credentialing and proctoring protocols, emphasizing supervision in early cases."]}, "s030": {"gold_spans": ["As we move spine surgery into outpatient settings and embrace interventional approaches, surgeon-led education becomes more essential than ever."]}}')
errs=[]
def err(m): errs.append(m); print("ERROR:",m)
docs={}
def doc(d):
    if d not in docs: docs[d]=open(f"{SEEDS}/{d}.txt",encoding="utf-8").read()
    return docs[d]
Q=[json.loads(l) for l in open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'questions.jsonl'),encoding="utf-8") if l.strip()]
U=[json.loads(l) for l in open(__import__('os').path.join(__import__('os').path.dirname(__file__), 'unanswerable.jsonl'),encoding="utf-8") if l.strip()]
if len(Q)!=30: err(f"questions count {len(Q)}")
sc=collections.Counter(q["style"] for q in Q); print("styles:",dict(sc))
if sc!={"patient":10,"precise":10,"view":10}: err(f"style mix {dict(sc)}")
ids=[q["id"] for q in Q]
if len(set(ids))!=30: err("duplicate ids")
LAB={"evidence","opinion","marketing"}; AT={"name","number","date","place","journal","title","none"}
for q in Q:
    qid=q["id"]
    for f in ["id","question","style","key_facts","gold_docs","gold_spans","acceptable_labels","answer_type","short_answer"]:
        if f not in q: err(f"{qid} missing {f}")
    if not (1<=len(q["gold_spans"])<=2): err(f"{qid} gold span count")
    if not (1<=len(q["key_facts"])<=3): err(f"{qid} key_facts count")
    if not set(q["acceptable_labels"])<=LAB or not q["acceptable_labels"]: err(f"{qid} labels")
    if q["answer_type"] not in AT: err(f"{qid} answer_type")
    gtexts=[]
    for k in ("gold_spans","alt_spans"):
        for i,s in enumerate(q.get(k,[])):
            t=doc(s["doc_id"])
            if not (0<=s["start"]<s["end"]<=len(t)): err(f"{qid} {k}[{i}] out of bounds"); continue
            txt=t[s["start"]:s["end"]]
            want=EXPECTED.get(qid,{}).get(k,[None]*99)[i]
            if txt!=want: err(f"{qid} {k}[{i}] text mismatch")
            if t.find(txt)!=s["start"]: err(f"{qid} {k}[{i}] start != text.find(sentence)")
            if txt!=txt.strip(): err(f"{qid} {k}[{i}] leading/trailing whitespace")
            if k=="gold_spans":
                gtexts.append(txt)
                if s["doc_id"] not in q["gold_docs"]: err(f"{qid} span doc not in gold_docs")
            print(f"{qid} {k}[{i}] {s['doc_id']} [{s['start']}:{s['end']}] {txt!r}")
    low=[g.lower() for g in gtexts]
    for fact in q["key_facts"]:
        for alt in fact:
            if not any(alt.lower() in g for g in low): err(f"{qid} key fact {alt!r} not in gold spans")
    sa=q["short_answer"]
    if q["answer_type"]=="none":
        if sa is not None: err(f"{qid} short_answer should be null")
    else:
        if not sa or not any(sa in g for g in gtexts): err(f"{qid} short_answer {sa!r} not in gold span")
if len(U)!=12: err(f"unanswerable count {len(U)}")
kc=collections.Counter(u["kind"] for u in U); print("kinds:",dict(kc))
if kc!={"near_miss":4,"personal_advice":4,"off_topic":4}: err(f"kind mix {dict(kc)}")
for u in U:
    if u["kind"]=="personal_advice":
        if not u.get("gold_docs"): err(f"{u['id']} missing gold_docs")
        for d in u.get("gold_docs",[]): doc(d)
print("FAIL" if errs else "PASS", f"- {len(errs)} errors; {len(Q)} questions, {len(U)} unanswerable")
sys.exit(1 if errs else 0)
