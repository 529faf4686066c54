// Small shared types of the course UI.
export type CourseProblemsLogger = (line: string) => void;
