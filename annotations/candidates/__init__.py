from .scoring import RULES_VERSION, CandidateResult, SentenceInput, score_sentences

__all__ = ["RULES_VERSION", "CandidateResult", "SentenceInput", "score_sentences"]
