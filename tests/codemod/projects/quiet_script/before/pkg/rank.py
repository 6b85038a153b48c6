from pkg.scorer import CandidateScorer


def make_scorer(hidden):
    scorer = CandidateScorer(hidden, prefix='scorer_')
    return scorer
