// stage PayplanCompare
