// stage PayplanEvaluator
