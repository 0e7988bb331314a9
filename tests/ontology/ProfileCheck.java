// Opens an ontology the way Protégé does, with the OWL API bundled in owlready2's HermiT.jar
// (OWL API 3.4.3; Protégé 5 uses 4.x, same parsers), and reports everything Protégé would warn
// about. Run with Java 11+ as a single-file program:
//   java -cp .../owlready2/hermit/HermiT.jar ProfileCheck.java ONTOLOGY IMPORT_IRI=FILE ...
// Each IMPORT_IRI=FILE maps an import to a local file, as catalog-v001.xml does for Protégé.
// Reported, one line each, for the ontology and every ontology of its imports closure, exit 1
// if any:
//   - "unparsed triple in ONTOLOGY-ID: ...": a triple the OWL API could not turn into an axiom
//     or annotation (Protégé drops it on save);
//   - "violation in ONTOLOGY-ID: ...": an OWL 2 DL profile violation, including every use of an
//     undeclared entity (the loader runs in strict mode, so it guesses no types);
// and an import that cannot be resolved offline fails the load (exit 1 with the exception).
// Then one "loaded: ONTOLOGY-ID" line per ontology of the closure and a summary line.
// Exit 0 otherwise.
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.RDFOntologyFormat;
import org.semanticweb.owlapi.io.RDFResource;
import org.semanticweb.owlapi.io.RDFTriple;
import org.semanticweb.owlapi.model.IRI;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLAnnotation;
import org.semanticweb.owlapi.model.OWLAnnotationAssertionAxiom;
import org.semanticweb.owlapi.model.OWLAnnotationValue;
import org.semanticweb.owlapi.model.OWLLiteral;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyFormat;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;
import org.semanticweb.owlapi.util.SimpleIRIMapper;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        for (int i = 1; i < args.length; i++) {
            String[] pair = args[i].split("=", 2);
            manager.addIRIMapper(new SimpleIRIMapper(IRI.create(pair[0]), IRI.create(new File(pair[1]))));
        }
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
            .setStrict(true)
            .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.THROW_EXCEPTION);
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(
            new FileDocumentSource(new File(args[0])), config);
        int problems = 0;
        OWLOntologyFormat format = manager.getOntologyFormat(ontology);
        for (OWLOntology member : manager.getImportsClosure(ontology)) {
            OWLOntologyFormat memberFormat = manager.getOntologyFormat(member);
            if (!(memberFormat instanceof RDFOntologyFormat)) {
                continue;
            }
            for (RDFTriple t : ((RDFOntologyFormat) memberFormat).getOntologyLoaderMetaData().getUnparsedTriples()) {
                if (isParsedOntologyAnnotation(member, t) || isParsedAnnotationAssertion(member, t)) {
                    continue;
                }
                System.out.println("unparsed triple in " + member.getOntologyID() + ": " + t);
                problems++;
            }
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            System.out.println("violation in " + violation.getOntologyID() + ": " + violation);
            problems++;
        }
        for (OWLOntology member : manager.getImportsClosure(ontology)) {
            System.out.println("loaded: " + member.getOntologyID());
        }
        System.out.println("format: " + format + ", axioms: " + ontology.getAxiomCount()
            + ", imports: " + ontology.getImports().size() + ", in OWL 2 DL: " + report.isInProfile()
            + ", problems: " + problems);
        System.exit(problems == 0 ? 0 : 1);
    }

    // OWL API 3.4.3 lists an ontology annotation whose value is an IRI (dcterms:license <...>)
    // among the unparsed triples although it keeps the annotation (Protégé shows and saves it):
    // such a triple is not reported when the loaded ontology does carry the annotation.
    // OWL API 3.4.3 also lists an annotation assertion whose value is an IRI (PROV-O's
    // prov:qualifiedUsage prov:unqualifiedForm prov:used) when the subject is a declared
    // entity, and keeps the annotation: such a triple is not reported when the ontology holds
    // the annotation assertion.
    static boolean isParsedAnnotationAssertion(OWLOntology ontology, RDFTriple t) {
        if (t.getSubject().isAnonymous() || (!t.getObject().isLiteral() && ((RDFResource) t.getObject()).isAnonymous())) {
            return false;
        }
        IRI subject = t.getSubject().getResource();
        IRI property = t.getPredicate().getResource();
        for (OWLAnnotationAssertionAxiom ax : ontology.getAnnotationAssertionAxioms(subject)) {
            if (!ax.getProperty().getIRI().equals(property)) {
                continue;
            }
            OWLAnnotationValue value = ax.getValue();
            if (t.getObject().isLiteral() ? value instanceof OWLLiteral && value.toString().equals(t.getObject().toString())
                    : value.equals(((RDFResource) t.getObject()).getResource())) {
                return true;
            }
        }
        return false;
    }

    static boolean isParsedOntologyAnnotation(OWLOntology ontology, RDFTriple t) {
        if (t.getObject().isLiteral() || t.getSubject().isAnonymous()) {
            return false;
        }
        IRI ontologyIri = ontology.getOntologyID().getOntologyIRI();
        if (ontologyIri == null || !ontologyIri.equals(t.getSubject().getResource())) {
            return false;
        }
        IRI value = ((RDFResource) t.getObject()).getResource();
        for (OWLAnnotation annotation : ontology.getAnnotations()) {
            if (annotation.getProperty().getIRI().equals(t.getPredicate().getResource())
                    && value.equals(annotation.getValue())) {
                return true;
            }
        }
        return false;
    }
}
