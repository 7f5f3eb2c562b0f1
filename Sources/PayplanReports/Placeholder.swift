// stage PayplanReports
