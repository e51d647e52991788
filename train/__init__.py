"""Training scripts for the two fitted models the assistant ships (nothing is trained at run time).

    python train/labeller.py train   writes assistant/labeller_model.json (evidence / opinion / marketing)
    python train/ranker.py train     writes assistant/ranker_model.json (which sentence leads an answer)

Each also cross-validates (`labeller.py loo`, `ranker.py cv`); see docs/labels.md and docs/answers.md.
"""
