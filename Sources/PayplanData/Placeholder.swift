// stage PayplanData
